import ArgumentParser
import Foundation
import Logging
import Models
import Server
import Tokenizers

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a model over OpenAI's /v1/completions (with /v1/models and /health), continuously batched.",
        discussion: """
        Requests that arrive together decode in the same forward passes; a request's n samples share its \
        prompt's computation. SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits 0. \
        One log line per request (stderr) with its status, tokens and latency.
        """)

    @Option(help: "An HF-layout model directory; default: the bundled codeloop-small.")
    var model: String?

    @Option(help: "Address to listen on (loopback by default: put a proxy with authentication in front to expose it).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed at start).")
    var port = 8080

    @Option(name: .customLong("model-name"), help: "The name /v1/models reports and responses carry (default: the directory's name).")
    var modelName: String?

    @Option(help: "Samples decoding at once across all requests (bounds KV-cache memory).")
    var slots = ServerLimits().slots

    @Option(name: .customLong("cache-mb"), help: "Memory for prompts kept across requests: a request that shares a prefix of tokens with one computes only the rest (llama.cpp's cache_prompt; a request may send cache_prompt: false). 0 keeps none.")
    var cacheMB = ServerLimits().promptCacheBytes >> 20

    @Option(name: .customLong("cache-reuse"), help: "With the prompt cache, also reuse runs of at least this many tokens found again after the shared prefix, their keys shifted to the new positions (llama.cpp's --cache-reuse; rotary models). Their keys were computed after other text, so answers may differ slightly. 0: the shared prefix only.")
    var cacheReuse = ServerLimits().cacheReuse

    @Option(name: .customLong("prefill-chunk"), help: "Prompt tokens read per forward pass (bounds a long prompt's memory).")
    var prefillChunk = ServerLimits().prefillChunk

    @Option(name: .customLong("max-tokens-limit"), help: "Largest max_tokens a request may ask for.")
    var maxTokensLimit = ServerLimits().maxTokens

    @Option(name: .customLong("max-n"), help: "Largest n a request may ask for.")
    var maxN = ServerLimits().maxN

    @Option(name: .customLong("max-concurrent"), help: "Requests answered at once; more wait up to --queue-seconds for a place, then get 429.")
    var maxConcurrent = ServerLimits().concurrentRequests

    @Option(name: .customLong("queue-seconds"), help: "How long a request waits for a place when --max-concurrent are being answered (0: 429 at once).")
    var queueSeconds = ServerLimits().queueSeconds

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body; larger gets 413.")
    var maxBodyBytes = ServerLimits().bodyBytes

    @Option(name: .customLong("request-timeout"), help: "Seconds a request may run before it is stopped (408).")
    var requestTimeout = ServerLimits().requestSeconds

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard cacheMB >= 0 else { throw ValidationError("--cache-mb must be 0 or more") }
        guard cacheReuse >= 0 else { throw ValidationError("--cache-reuse must be 0 or more") }
        guard queueSeconds >= 0, queueSeconds.isFinite else { throw ValidationError("--queue-seconds must be 0 or more") }
        guard slots >= 1, prefillChunk >= 1, maxTokensLimit >= 1, maxN >= 1, maxConcurrent >= 1, maxBodyBytes >= 1024, requestTimeout > 0 else {
            throw ValidationError("--slots, --prefill-chunk, --max-tokens-limit, --max-n, --max-concurrent must be >= 1, --max-body-bytes >= 1024, --request-timeout > 0")
        }
    }

    func run() async throws {
        let directory = try modelDirectory(model)
        let languageModel = try loadModel(directory: directory)
        let tokenizer = try Tokenizer.named(directory)
        var limits = ServerLimits()
        limits.slots = slots
        limits.maxTokens = maxTokensLimit
        limits.promptCacheBytes = cacheMB << 20
        limits.prefillChunk = prefillChunk
        limits.cacheReuse = cacheReuse
        limits.maxN = maxN
        limits.concurrentRequests = maxConcurrent
        limits.queueSeconds = queueSeconds
        limits.bodyBytes = maxBodyBytes
        limits.requestSeconds = requestTimeout
        let name = modelName ?? (directory as NSString).lastPathComponent
        let chatTemplate = try ChatTemplate.named(directory)
        let server = CompletionServer(model: languageModel, tokenizer: tokenizer, modelName: name, limits: limits, chatTemplate: chatTemplate)
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var logger = Logger(label: "codeloop.serve")
        logger.logLevel = .info
        let host = self.host, slots = limits.slots
        let app = server.application(host: host, port: port, logger: logger) { bound in
            printError("codeloop serve: \(name) on http://\(host):\(bound) (\(slots) slots)")
            printError(chatTemplate.map { "codeloop serve: chat template from \($0.source)" }
                       ?? "codeloop serve: the model has no chat template; /v1/chat/completions answers 400")
        }
        try await app.runService()
        server.scheduler.shutdown()
    }
}
