import Models

/// What one server accepts; each limit, when exceeded, is an OpenAI-style JSON error with a 4xx.
public struct ServerLimits: Sendable {
    /// Largest max_tokens a request may ask for (400 above it).
    public var maxTokens = 1024
    /// Largest n (400 above it).
    public var maxN = 256
    /// Requests being answered at once; one more waits up to `queueSeconds` for a place, then gets 429.
    public var concurrentRequests = 64
    /// How long a request waits for a place when `concurrentRequests` are being answered.
    public var queueSeconds = 1.0
    /// Largest request body in bytes (413 above it).
    public var bodyBytes = 1 << 20
    /// Seconds a request may take before it is stopped (408).
    public var requestSeconds = 300.0
    /// Samples decoding at once across all requests (the KV-cache budget).
    public var slots = 64
    /// Memory for prompts kept across requests (the prompt cache); 0 keeps none.
    public var promptCacheBytes = 256 << 20
    /// The fewest tokens of a later run a prompt takes from a cached one at a new position
    /// (llama.cpp's --cache-reuse); 0: only the shared prefix.
    public var cacheReuse = 0
    /// Prompt positions read per forward pass.
    public var prefillChunk = defaultPrefillChunk

    public init() {}
}
