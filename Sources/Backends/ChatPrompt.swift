import Foundation
import OpenAIAPI

/// How a chat model is asked for a problem's solution. The default is evalplus's (evalplus 0.3.1,
/// evalplus/codegen.py and provider/openai.py): one user message, its instruction prefix, then the
/// prompt stripped in a ```python fence. evalplus's OpenAI provider also sends the system message
/// "You are a helpful assistant good at coding."; `system` adds one. A local model with a template
/// is asked as evalplus asks one (provider/utility.py): its assistant turn is opened with
/// `responsePrefix` and a ```python fence.
public struct ChatPrompt: Sendable {
    public static let evalplusInstruction =
        "Please provide a self-contained Python script that solves the following problem in a markdown code block:"
    public static let evalplusResponsePrefix =
        "Below is a Python script with a self-contained function that solves the problem and passes corresponding tests:"

    public var system: String?
    public var instruction: String
    public var responsePrefix: String

    public init(system: String? = nil, instruction: String = ChatPrompt.evalplusInstruction,
                responsePrefix: String = ChatPrompt.evalplusResponsePrefix) {
        self.system = system
        self.instruction = instruction
        self.responsePrefix = responsePrefix
    }

    /// The messages sent to a chat API for a problem's prompt.
    public func messages(for prompt: String) -> [ChatMessage] {
        let user = ChatMessage(role: "user", content: instruction + "\n```python\n" + prompt.trimmingCharacters(in: .whitespacesAndNewlines) + "\n```")
        return (system.map { [ChatMessage(role: "system", content: $0)] } ?? []) + [user]
    }
}
