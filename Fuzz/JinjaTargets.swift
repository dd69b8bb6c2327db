import Foundation
import Jinja

/// The Jinja subset chat templates are written in: a template from the input, rendered with the
/// variables a chat template gets.
enum JinjaTargets {
    static var context: [String: Value] { [
        "messages": .array([
            .object([("role", .string("system")), ("content", .string("Be brief."))]),
            .object([("role", .string("user")), ("content", .string("Write f(x).\n"))]),
        ]),
        "add_generation_prompt": .bool(true), "bos_token": .string("<s>"), "eos_token": .string("</s>"),
    ] }

    static func template(_ data: Data) {
        guard let source = String(data: data, encoding: .utf8), let template = try? Template(source) else { return }
        _ = try? template.render(context)
    }
}
