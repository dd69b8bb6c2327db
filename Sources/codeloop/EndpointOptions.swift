import ArgumentParser
import Backends
import Foundation
import Generation
import Tokenizers

/// Flags that choose where samples come from: an OpenAI-compatible server, or the local model.
struct EndpointOptions: ParsableArguments {
    @Option(help: "An OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI, codeloop serve) instead of --model; key from $CODELOOP_API_KEY or $OPENAI_API_KEY.")
    var endpoint: String?

    @Option(name: .customLong("model-name"), help: "The model name to send to --endpoint.")
    var modelName: String?

    @Flag(help: "Ask a chat model with evalplus's prompt (--endpoint's /v1/chat/completions, or --model's own chat template) and keep the code of each answer (its \"raw\" text, then \"solution\").")
    var chat = false

    @Option(help: "With --chat: a system message to send first (evalplus's OpenAI provider sends \"You are a helpful assistant good at coding.\").")
    var system: String?

    @Option(help: "With --chat: the instruction before the prompt's fenced code (default: evalplus's).")
    var instruction: String = ChatPrompt.evalplusInstruction

    @Option(name: .customLong("response-prefix"), help: "With --chat and a local model: the text that opens the assistant's turn before its ```python fence (default: evalplus's).")
    var responsePrefix: String = ChatPrompt.evalplusResponsePrefix

    @Flag(name: .customLong("no-sanitize"), help: "With --chat: keep only the raw answers (run `codeloop sanitize` later).")
    var noSanitize = false

    @Option(name: .customLong("api-key-env"), help: "The environment variable that holds the API key (default: CODELOOP_API_KEY, then OPENAI_API_KEY).")
    var apiKeyEnv: String?

    @Option(help: "Requests in flight at once against --endpoint.")
    var concurrency: Int = 4

    @Option(help: "Retries of a request that got 408, 409, 429, 5xx or no answer, with exponential backoff (or the server's Retry-After).")
    var retries: Int = 5

    @Option(name: .customLong("max-n-per-request"), help: "Split n into requests of at most this many samples (servers cap n).")
    var maxNPerRequest: Int = 20

    @Flag(name: .customLong("truncate-prompts"),
          help: "Cut a prompt that leaves fewer than --max-tokens positions of the local model's context from the left (short-context models); without it such a prompt is an error.")
    var truncatePrompts = false

    func validate() throws {
        guard concurrency >= 1, retries >= 0, maxNPerRequest >= 1 else {
            throw ValidationError("--concurrency and --max-n-per-request must be at least 1, --retries at least 0")
        }
        if endpoint != nil && modelName == nil { throw ValidationError("--endpoint needs --model-name") }
        if let apiKeyEnv, ProcessInfo.processInfo.environment[apiKeyEnv] == nil {
            throw ValidationError("--api-key-env \(apiKeyEnv): that environment variable is not set")
        }
    }

    /// The key from --api-key-env's variable; nil leaves the clients to their default variables.
    var apiKey: String? { apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] } }

    /// The chat client of --endpoint, or the local model through its own chat template.
    func chatBackend(local: ModelOptions) throws -> any ChatBackend {
        if let endpoint { return OpenAIChatBackend(endpoint: endpoint, modelName: modelName!, apiKey: apiKey, maxRetries: retries) }
        let directory = try modelDirectory(local.model)
        guard let template = try ChatTemplate.named(directory) else {
            throw InputError("\(directory): the model has no chat template (chat_template.jinja, tokenizer_config.json's chat_template or GGUF tokenizer.chat_template); --chat needs one")
        }
        return LocalChatBackend(generator: try local.generator(), template: template,
                                keepRoom: truncatePrompts ? local.parameters(chatDefaults: true).maxTokens : nil)
    }

    /// Shuts a chat client's connections down.
    static func shutdown(_ backend: any ChatBackend) async throws {
        if let client = backend as? OpenAIChatBackend { try await client.shutdown() }
    }

    var chatPrompt: ChatPrompt { ChatPrompt(system: system, instruction: instruction, responsePrefix: responsePrefix) }

    /// The server's client, or the local model of `local`.
    func backend(local: ModelOptions) throws -> any CompletionBackend {
        if let endpoint {
            return OpenAICompletionsBackend(endpoint: endpoint, modelName: modelName!, apiKey: apiKey, maxRetries: retries)
        }
        return LocalBackend(generator: try local.generator(), keepRoom: truncatePrompts ? local.parameters().maxTokens : nil)
    }

    /// A local model decodes one prompt's samples as one batch; a server gets several requests.
    var concurrencyLimit: Int { endpoint == nil ? 1 : concurrency }

    func samplesPerRequest(n: Int) -> Int { endpoint == nil ? n : maxNPerRequest }
}
