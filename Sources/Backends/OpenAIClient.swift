import AsyncHTTPClient
import Foundation
import Locking
import NIOCore
import NIOHTTP1
import OpenAIAPI

/// POSTs JSON to one OpenAI-compatible URL, retrying as OpenAI's official client does
/// (openai-python's _base_client): 408, 409, 429, 5xx and connection errors; the wait is the
/// server's `retry-after-ms` or `retry-after` (seconds or an HTTP date) when it gives one of at
/// most 120 s, else min(0.5 · 2^n, 8) s less up to a quarter of jitter.
final class OpenAIClient: Sendable {
    /// A request that failed for good: the HTTP status (nil: no answer) and the server's error.
    struct Failure: Error, CustomStringConvertible {
        let url: String
        let status: Int?
        let error: ErrorResponse.Detail?
        let detail: String

        var description: String {
            status.map { "\(url): HTTP \($0): \(detail)" } ?? "\(url): \(detail)"
        }
    }

    let url: String
    let apiKey: String?
    let maxRetries: Int
    let timeout: TimeAmount
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    /// Attempts that were retried, for reports and tests.
    var retries: Int { retryCount.withLock { $0 } }
    private let retryCount = LockedBox(0)

    init(url: String, apiKey: String?, maxRetries: Int, timeoutSeconds: Int64) {
        self.url = url
        self.apiKey = apiKey
        self.maxRetries = maxRetries
        self.timeout = .seconds(timeoutSeconds)
    }

    deinit { try? http.syncShutdown() }

    func shutdown() async throws { try await http.shutdown() }

    /// The base URL a user gives (with or without /v1, or the whole endpoint) joined to `path`
    /// ("/v1/completions").
    static func url(base: String, path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        for suffix in ["/v1/completions", "/v1/chat/completions"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        return base + path
    }

    /// The API key: the one given, else $CODELOOP_API_KEY, else $OPENAI_API_KEY.
    static func key(given: String?) -> String? {
        let environment = ProcessInfo.processInfo.environment
        return given ?? environment["CODELOOP_API_KEY"] ?? environment["OPENAI_API_KEY"]
    }

    /// The body of a 200 answer to `payload`.
    func post(_ payload: Data) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        request.body = .bytes(ByteBuffer(bytes: payload))
        var attempt = 0
        while true {
            let status: HTTPResponseStatus
            let data: Data
            let headers: HTTPHeaders
            do {
                let response = try await http.execute(request, timeout: timeout)
                status = response.status
                headers = response.headers
                data = Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
            } catch {
                guard attempt < maxRetries else { throw Failure(url: url, status: nil, error: nil, detail: "\(error) (after \(attempt + 1) attempts)") }
                try await wait(attempt: attempt, headers: [:])
                attempt += 1
                continue
            }
            if status == .ok { return data }
            if Self.retryable(status.code) && attempt < maxRetries {
                try await wait(attempt: attempt, headers: headers)
                attempt += 1
                continue
            }
            let error = try? JSONDecoder().decode(ErrorResponse.self, from: data).error
            throw Failure(url: url, status: Int(status.code), error: error, detail: error?.message ?? Self.snippet(data))
        }
    }

    static func retryable(_ code: UInt) -> Bool { code == 408 || code == 409 || code == 429 || code >= 500 }

    /// The wait before attempt `attempt + 1`, in seconds.
    static func delay(attempt: Int, headers: HTTPHeaders, jitter: Double = Double.random(in: 0...0.25)) -> Double {
        if let ms = headers.first(name: "retry-after-ms").flatMap(Double.init), ms >= 0, ms <= 120_000 { return ms / 1000 }
        if let text = headers.first(name: "retry-after") {
            if let seconds = Double(text), seconds >= 0, seconds <= 120 { return seconds }
            if let date = httpDate(text) {
                let seconds = date.timeIntervalSinceNow
                if seconds >= 0, seconds <= 120 { return seconds }
            }
        }
        return min(0.5 * pow(2, Double(attempt)), 8) * (1 - jitter)
    }

    /// An HTTP date (RFC 9110's IMF-fixdate), as retry-after may give one.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    private func wait(attempt: Int, headers: HTTPHeaders) async throws {
        retryCount.withLock { $0 += 1 }
        try await Task.sleep(nanoseconds: UInt64(Self.delay(attempt: attempt, headers: headers) * 1e9))
    }

    /// The start of a body that is not OpenAI's error object, on one line.
    static func snippet(_ data: Data) -> String {
        String(decoding: data.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
    }
}
