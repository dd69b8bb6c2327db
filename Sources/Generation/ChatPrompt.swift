import Foundation
import OpenAIAPI

/// How a chat model is asked for a problem's solution. The default is evalplus's (evalplus 0.3.1,
/// evalplus/codegen.py and provider/openai.py): one user message, its instruction prefix, then the
/// prompt stripped in a ```python fence. evalplus's OpenAI provider also sends the system message
/// "You are a helpful assistant good at coding."; `system` adds one.
public struct ChatPrompt: Sendable {
    public static let evalplusInstruction =
        "Please provide a self-contained Python script that solves the following problem in a markdown code block:"

    public var system: String?
    public var instruction: String

    public init(system: String? = nil, instruction: String = ChatPrompt.evalplusInstruction) {
        self.system = system
        self.instruction = instruction
    }

    public func messages(for prompt: String) -> [ChatMessage] {
        let user = ChatMessage(role: "user", content: instruction + "\n```python\n" + prompt.trimmingCharacters(in: .whitespacesAndNewlines) + "\n```")
        return (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [user]
    }
}
