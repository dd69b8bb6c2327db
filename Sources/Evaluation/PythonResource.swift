import BundledData

/// A Python module of the Evaluation target's Resources — an ordinary file that CI lints — read
/// once; the drivers build programs by appending one call to it. When the file is missing, the
/// text is a program that exits saying so, so that every sample's verdict names the cause.
struct PythonResource: Sendable {
    let text: String

    init(_ fileName: String) {
        text = BundledData.text(fileName, target: "Evaluation")
            ?? "raise SystemExit(\"codeloop: \" + \(PythonJSON.string(BundledData.missing(fileName))))"
    }
}
