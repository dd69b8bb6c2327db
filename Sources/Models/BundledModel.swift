import BundledData

/// codeloop-small, the model codeloop trains itself and ships (Sources/Models/Resources/
/// codeloop-small, with its model card): the default of `generate`, `complete` and `score`.
public enum BundledModel {
    public static let name = "codeloop-small"

    /// Its directory beside the executable, or nil when the build did not ship it.
    public static func directory() -> String? {
        BundledData.path(for: name + "/config.json", target: "Models").map { String($0.dropLast("/config.json".count)) }
    }
}
