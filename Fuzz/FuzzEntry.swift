import Foundation

/// libFuzzer's entry point (`swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`,
/// scripts/fuzz.sh): the target named by $CODELOOP_FUZZ_TARGET gets each input. A target returns
/// normally on any input a user could send, an error included; a crash, a hang, an allocation
/// past libFuzzer's limit or a failed round trip (a trap) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzTargets.selected(data)
    return 0
}

#if FUZZING
/// libFuzzer's driver (libclang_rt.fuzzer), called from this executable's own main: SwiftPM names
/// every executable's entry point itself, so libFuzzer's main cannot be the program's.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
/// Without libFuzzer the same binary replays inputs: `codeloop-fuzz TARGET FILE...`, each file
/// run once (a reproducer, or a whole corpus directory's files).
@main
enum Replay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("usage: codeloop-fuzz TARGET FILE|DIR... (targets: \(FuzzTargets.all.keys.sorted().joined(separator: ", ")))\n".utf8))
            exit(64)
        }
        var files: [String] = []
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            files += isDirectory.boolValue ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 } : [path]
        }
        for file in files { target(try Data(contentsOf: URL(fileURLWithPath: file))) }
        print("\(name): \(files.count) inputs replayed")
    }
}
#endif
