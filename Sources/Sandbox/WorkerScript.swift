import BundledData

/// The Python worker that runs inside bubblewrap: `Resources/worker.py`, an ordinary module that
/// CI lints and compiles as Python.
enum WorkerScript {
    static let fileName = "worker.py"

    /// Its source, read once from the Sandbox target's resources.
    static let source: String? = BundledData.text(fileName, target: "Sandbox")
}
