import Foundation
import Jinja
import ModelFiles

/// A model's chat template, as transformers' apply_chat_template renders it: the Jinja text from
/// chat_template.jinja (transformers ≥ 4.47 saves it so), tokenizer_config.json's `chat_template`
/// (a string, or named templates of which "default" is taken), or a GGUF's
/// `tokenizer.chat_template`; with the tokenizer's bos_token and eos_token as variables.
public struct ChatTemplate: Sendable {
    public let template: Template
    /// Where the text came from, for errors.
    public let source: String
    public let bosToken: String
    public let eosToken: String

    public struct Message: Sendable, Equatable {
        public let role: String
        public let content: String
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    public init(text: String, source: String, bosToken: String, eosToken: String) throws {
        do {
            template = try Template(text)
        } catch let error as TemplateError {
            throw TokenizerError("\(source): \(error)")
        }
        self.source = source
        self.bosToken = bosToken
        self.eosToken = eosToken
    }

    /// The template of a model directory; nil when it has none.
    public static func load(directory: String) throws -> ChatTemplate? {
        // tokenizer_config.json is read as the tokenizer reads it: beside tokenizer.json.
        let config = try TokenizerConfig.load(beside: directory + "/tokenizer.json")
        let bos = config?.bos ?? "", eos = config?.eos ?? ""
        let jinjaPath = directory + "/chat_template.jinja"
        if let data = FileManager.default.contents(atPath: jinjaPath) {
            guard let text = String(data: data, encoding: .utf8) else { throw TokenizerError("\(jinjaPath): not UTF-8 text") }
            return try ChatTemplate(text: text, source: jinjaPath, bosToken: bos, eosToken: eos)
        }
        guard let field = config?.chatTemplate else { return nil }
        return try ChatTemplate(text: field.text, source: field.source, bosToken: bos, eosToken: eos)
    }

    /// The template of a model directory or GGUF file; nil when it has none.
    public static func named(_ path: String) throws -> ChatTemplate? {
        path.hasSuffix(".gguf") ? try load(gguf: try GGUFFile(path: path)) : try load(directory: path)
    }

    /// The template a GGUF file carries; nil when it has none.
    public static func load(gguf file: GGUFFile) throws -> ChatTemplate? {
        guard let text = file.metadata["tokenizer.chat_template"]?.string else { return nil }
        let tokens = file.metadata["tokenizer.ggml.tokens"]?.array
        func token(_ key: String) -> String {
            guard let id = file.metadata[key]?.int, let tokens, tokens.indices.contains(id) else { return "" }
            return tokens[id].string ?? ""
        }
        return try ChatTemplate(text: text, source: file.path + " tokenizer.chat_template",
                                bosToken: token("tokenizer.ggml.bos_token_id"), eosToken: token("tokenizer.ggml.eos_token_id"))
    }

    /// The conversation as the model reads it; the template's own raise_exception is an error.
    public func render(_ messages: [Message], addGenerationPrompt: Bool, now: Date = Date()) throws -> String {
        let context: [String: Value] = [
            "messages": .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) }),
            "add_generation_prompt": .bool(addGenerationPrompt), "bos_token": .string(bosToken), "eos_token": .string(eosToken),
            "tools": .none, "documents": .none,
        ]
        do {
            return try template.render(context, now: now)
        } catch let error as TemplateError {
            throw TokenizerError("\(source): \(error)")
        }
    }

    /// evalplus's prompt for a local model with a template (evalplus/provider/utility.py,
    /// make_raw_chat_prompt): the user turn with the instruction and the prompt in a bare fence,
    /// then the assistant turn opened with the response prefix and a ```python fence, cut where
    /// the answer would begin.
    public func evalplusPrompt(task: String, system: String? = nil, instruction: String, responsePrefix: String) throws -> String {
        let splitter = "-[[]]-this-is-really-our-highest-priority-[[]]-"
        let user = instruction + "\n```\n" + task.trimmingCharacters(in: .whitespacesAndNewlines) + "\n```\n"
        let assistant = responsePrefix + "\n```python\n" + splitter + "\n```\n"
        let messages = (system.map { [Message(role: "system", content: $0)] } ?? [])
            + [Message(role: "user", content: user), Message(role: "assistant", content: assistant)]
        let rendered = try render(messages, addGenerationPrompt: false)
        guard let cut = rendered.range(of: splitter) else { throw TokenizerError("\(source): the template drops the assistant's message") }
        return String(rendered[..<cut.lowerBound])
    }

    /// Tokens that end an assistant turn in the families codeloop loads, besides eos; llama.cpp
    /// stops at the same end-of-generation tokens.
    public static let endOfTurnTokens = ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<|EOT|>", "<end_of_turn>", "<|endoftext|>",
                                         "</s>", "<|END_OF_TURN_TOKEN|>", "<｜end▁of▁sentence｜>", "<|end_of_text|>"]
}

extension Tokenizer {
    /// The ids of the end-of-turn tokens this tokenizer has, with its eos.
    public var endOfTurnIDs: Set<Int> {
        Set(ChatTemplate.endOfTurnTokens.compactMap { specialTokens[$0] } + [eos].compactMap { $0 })
    }
}
