import ArgumentParser
import Backends

/// Flags that choose where samples come from: an OpenAI-compatible server, or the local model.
struct EndpointOptions: ParsableArguments {
    @Option(help: "An OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI, codeloop serve) instead of --model; key from $CODELOOP_API_KEY or $OPENAI_API_KEY.")
    var endpoint: String?

    @Option(name: .customLong("model-name"), help: "The model name to send to --endpoint.")
    var modelName: String?

    @Option(help: "Requests in flight at once against --endpoint.")
    var concurrency: Int = 4

    @Option(help: "Retries of a request that got 429 or 5xx, with exponential backoff.")
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
    }

    /// The server's client, or the local model of `local`.
    func backend(local: ModelOptions) throws -> any CompletionBackend {
        if let endpoint {
            return OpenAICompletionsBackend(endpoint: endpoint, modelName: modelName!, maxRetries: retries)
        }
        return LocalBackend(generator: try local.generator(), keepRoom: truncatePrompts ? local.maxTokens : nil)
    }

    /// A local model decodes one prompt's samples as one batch; a server gets several requests.
    var concurrencyLimit: Int { endpoint == nil ? 1 : concurrency }

    func samplesPerRequest(n: Int) -> Int { endpoint == nil ? n : maxNPerRequest }
}
