import Foundation
import Testing

/// Codex-S's verified set: `corpus functions --verify-doctests` keeps the functions whose docstring
/// examples pass when run in the sandbox with their module's imports.
@Suite struct DoctestCLITests {
    @Test func functionsThatPassFailAndHang() throws {
        let directory = scratchDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/src", withIntermediateDirectories: true)
        let module = #"""
        import math


        def hypotenuse(a, b):
            """The long side.

            >>> hypotenuse(3, 4)
            5.0
            """
            return math.sqrt(a * a + b * b)


        def double(x):
            """Twice x.

            >>> double(2)
            5
            """
            return 2 * x


        def forever(x):
            """Never returns.

            >>> forever(1)
            1
            """
            while True:
                x += 1
            return x


        def plain(x):
            """No examples here."""
            return x


        def words(text):
            """Split on spaces.

            >>> words("a b  c")
            ['a', 'b', 'c']
            >>> len(words(""))
            0
            """
            return text.split()

        """#
        try module.write(toFile: directory + "/src/module.py", atomically: true, encoding: .utf8)
        // A file that carries HumanEval/0's statement is left out, as `corpus build` leaves it out.
        let planted = #"""
        def close(numbers, threshold):
            """ Check if in given list of numbers, are any two numbers closer to each other than
            given threshold.
            >>> has_close_elements([1.0, 2.0, 3.0], 0.5)
            False
            >>> has_close_elements([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3)
            True
            """
            return False
        """#
        try planted.write(toFile: directory + "/src/planted.py", atomically: true, encoding: .utf8)
        let out = directory + "/verified.jsonl"
        var (status, stdout, stderr) = try codeloop(["corpus", "functions", directory + "/src", "--out", out, "--verify-doctests"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("(1 dropped by decontamination)") && stdout.contains("5 functions")
                && stdout.contains("doctests: 4 functions have examples (3 ran in their own module), 2 passed, 1 failed, 1 timed out"), "\(stdout)")
        let names = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { line -> String in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let prompt = object["prompt"] as! String
            return String(prompt[prompt.range(of: "def ")!.upperBound...].prefix { $0 != "(" })
        }
        #expect(names == ["hypotenuse", "words"])
        // Without the flag every function is written.
        (status, stdout, stderr) = try codeloop(["corpus", "functions", directory + "/src", "--out", directory + "/all.jsonl"])
        #expect(status == 0 && stdout.contains("5 functions"), "\(stdout)\(stderr)")
        (status, stdout, stderr) = try codeloop(["corpus", "functions", directory + "/src", "--out", directory + "/all.jsonl", "--no-decontamination"])
        #expect(status == 0 && stdout.contains("6 functions"), "\(stdout)\(stderr)")
    }

    /// Examples written against their module — a helper the imports do not bring, a relative import,
    /// a dependency in another wheel — pass when the module imports from its wheel or its directory,
    /// shown read-only in the sandbox.
    @Test func examplesRunInTheirModule() throws {
        let directory = scratchDirectory()
        let wheels = directory + "/wheels", tree = directory + "/tree"
        try FileManager.default.createDirectory(atPath: wheels, withIntermediateDirectories: true)
        for wheel in ["geometry-1.0-py3-none-any.whl", "units-1.0-py3-none-any.whl"] {
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("CorpusTests/Fixtures/" + wheel).path
            try FileManager.default.copyItem(atPath: fixture, toPath: wheels + "/" + wheel)
        }
        // The same package as a directory tree, under another name so that it is not a duplicate.
        try FileManager.default.createDirectory(atPath: tree + "/solids", withIntermediateDirectories: true)
        try "".write(toFile: tree + "/solids/__init__.py", atomically: true, encoding: .utf8)
        try "from units import FACTOR\n\nSCALE = 10 * FACTOR\n".write(toFile: tree + "/solids/base.py", atomically: true, encoding: .utf8)
        try #"""
        from .base import SCALE


        def _unit():
            return SCALE


        def volume(width, height, depth):
            """Volume in scaled units.

            >>> volume(1, 2, 3)
            60
            """
            return width * height * depth * _unit()
        """#.write(toFile: tree + "/solids/shapes.py", atomically: true, encoding: .utf8)
        let out = directory + "/verified.jsonl"
        let (status, stdout, stderr) = try codeloop(["corpus", "functions", wheels, tree, "--out", out, "--verify-doctests"])
        #expect(status == 0, "\(stderr)")
        #expect(stdout.contains("doctests: 2 functions have examples (2 ran in their own module), 2 passed, 0 failed"), "\(stdout)")
    }
}
