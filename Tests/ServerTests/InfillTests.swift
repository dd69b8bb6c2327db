import Foundation
import Models
import Sampling
@testable import Server
import Testing
import Tokenizers

/// Fill-in-the-middle through the server: llama.cpp's /infill with the bodies llama.vscode sends,
/// and `suffix` on /v1/completions. starcoder2-tiny (transformers' save_pretrained) has
/// StarCoder's FIM tokens; gpt2-tiny has none.
@Suite(.serialized) struct InfillTests {
    /// The body of llama.vscode's getFIMCompletion (src/llama-server.ts, createRequestPayload).
    func vscodeBody(prefix: String, suffix: String, predict: Int, stream: Bool, seed: Int = 3) -> String {
        let object: [String: Any] = [
            "input_prefix": prefix, "input_suffix": suffix,
            "input_extra": [["text": "def helper():\n    return 1\n", "time": 1733000000, "filename": "helper.py"]],
            "prompt": "", "n_predict": predict, "top_k": 40, "top_p": 0.99, "stream": stream,
            "samplers": ["top_k", "top_p", "infill"], "cache_prompt": true, "t_max_prompt_ms": 500, "t_max_predict_ms": 1000,
            "seed": seed,
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }

    @Test func llamaVscodeBodiesStreamedAndNot() async throws {
        let live = try await LiveServer.start(model: "starcoder2-tiny")
        let (status, text) = try await live.send("/infill", body: vscodeBody(prefix: "def add(a, b):\n    ", suffix: "\n\nprint(add(1, 2))\n",
                                                                            predict: 12, stream: false))
        #expect(status == 200, "\(text)")
        let answer = try object(text)
        let content = try #require(answer["content"] as? String)
        #expect(answer["stop"] as? Bool == true)
        #expect((answer["tokens_predicted"] as? Int).map { $0 >= 1 && $0 <= 12 } == true)
        #expect(answer["timings"] is [String: Any])

        // The same request streamed: llama.cpp's events, the same text, a last event with stop: true, no [DONE].
        let (streamStatus, streamText) = try await live.send("/infill", body: vscodeBody(prefix: "def add(a, b):\n    ",
                                                                                        suffix: "\n\nprint(add(1, 2))\n", predict: 12, stream: true))
        #expect(streamStatus == 200)
        let events = streamText.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        #expect(!events.contains("[DONE]"))
        let objects = try events.map(object)
        #expect(objects.last?["stop"] as? Bool == true)
        #expect(objects.dropLast().allSatisfy { $0["stop"] as? Bool == false })
        #expect(objects.map { $0["content"] as? String ?? "" }.joined() == content)

        // llama.vscode's warm-up request (n_predict 0) computes nothing and answers at once.
        let (warmStatus, warm) = try await live.send("/infill", body: vscodeBody(prefix: "", suffix: "", predict: 0, stream: false))
        let warmAnswer = try object(warm)
        #expect(warmStatus == 200 && warmAnswer["content"] as? String == "")
        await live.stop()
    }

    @Test func theMiddleIsTheEnginesForTheFIMPrompt() async throws {
        // Greedy, without extra files: the server's middle is the Generator's for the same prefix and suffix.
        let live = try await LiveServer.start(model: "starcoder2-tiny")
        let body = #"{"input_prefix": "x = [1, 2", "input_suffix": "]\n", "n_predict": 6, "temperature": 0}"#
        let (status, text) = try await live.send("/infill", body: body)
        #expect(status == 200, "\(text)")
        var parameters = SamplingParameters()
        parameters.temperature = 0
        parameters.maxTokens = 6
        parameters.stop = []
        let generator = Generator(model: live.server.scheduler.model, tokenizer: live.server.tokenizer)
        let expected = try generator.complete(prompt: "x = [1, 2", suffix: "]\n", n: 1, parameters: parameters)[0].text
        let answer = try object(text)
        #expect(answer["content"] as? String == expected)
        // And /v1/completions with suffix gives the same middle.
        let openAI = try await live.json(#"{"prompt": "x = [1, 2", "suffix": "]\n", "max_tokens": 6, "temperature": 0}"#)
        #expect(texts(openAI) == [expected])
        await live.stop()
    }

    @Test func aModelWithoutFIMTokensAndMalformedBodiesGet400() async throws {
        let live = try await LiveServer.start()
        var (status, text) = try await live.send("/infill", body: #"{"input_prefix": "a", "input_suffix": "b"}"#)
        #expect(status == 400 && text.contains("no fill-in-the-middle tokens"), "\(text)")
        (status, text) = try await live.send("/v1/completions", body: #"{"prompt": "a", "suffix": "b"}"#)
        #expect(status == 400 && text.contains("cannot take a suffix"), "\(text)")
        await live.stop()
        let fim = try await LiveServer.start(model: "starcoder2-tiny")
        (status, text) = try await fim.send("/infill", body: #"{"input_prefix": "a", "input_extra": [{"filename": "x"}]}"#)
        #expect(status == 400 && text.contains("input_extra[0].text must be a string"), "\(text)")
        (status, text) = try await fim.send("/infill", body: #"{"input_prefix": 3}"#)
        #expect(status == 400 && text.contains("input_prefix must be a string"), "\(text)")
        (status, text) = try await fim.send("/v1/completions", body: #"{"prompt": [1, 2], "suffix": "b"}"#)
        #expect(status == 400 && text.contains("suffix needs the prompt as text"), "\(text)")
        await fim.stop()
    }

    /// Found by schemathesis against docs/openapi.yaml: a number past Int's range in an integer
    /// field of /infill trapped the server; it is a 400 naming the field. 1.0 is still an integer.
    @Test func integersPastIntsRangeAre400sNamingTheField() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/starcoder2-tiny").path
        let tokenizer = try Tokenizer.named(directory)
        let reader = RequestReader(tokenizer: tokenizer, chatTemplate: nil, limits: ServerLimits(), contextLength: 64,
                                   vocabulary: tokenizer.vocabularySize)
        for field in ["top_k", "n_predict", "seed"] {
            for value in ["1e30", "9223372036854775808", "-1e300", "2.5"] {
                let body = Data(#"{"input_prefix": "a", "\#(field)": \#(value)}"#.utf8)
                #expect(throws: APIError.self, "\(field): \(value)") { try reader.check(body, at: .infill) }
                do { try reader.check(body, at: .infill) } catch let error as APIError {
                    #expect(error.status == .badRequest && error.body.error.param == field, "\(field): \(value) → \(error.body.error.message)")
                }
            }
        }
        try reader.check(Data(#"{"input_prefix": "a", "top_k": 40.0, "n_predict": 8, "seed": -1}"#.utf8), at: .infill)
    }
}

/// A prompt longer than the context leaves room for is fitted as llama.cpp fits one: the suffix
/// keeps at most a quarter of the budget (its start), the prefix the rest (its end).
@Suite struct InfillBudgetTests {
    @Test func aLongPromptIsFittedKeepingTheTextNearestTheGap() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ModelsTests/Fixtures/starcoder2-tiny").path
        let tokenizer = try Tokenizer.named(directory)
        let fim = try #require(FIMTokens(tokenizer: tokenizer))
        let prefix = (0..<200).map { "a\($0) = \($0)\n" }.joined(), suffix = (0..<200).map { "b\($0) = \($0)\n" }.joined()
        let ids = fim.prompt(prefix: prefix, suffix: suffix, tokenizer: tokenizer, budget: 100)
        #expect(ids.count <= 100)
        let p = ids.firstIndex(of: fim.prefix)!, s = ids.firstIndex(of: fim.suffix)!, m = ids.firstIndex(of: fim.middle)!
        #expect(p < s && s < m && m == ids.count - 1)
        let keptPrefix = Array(ids[(p + 1)..<s]), keptSuffix = Array(ids[(s + 1)..<m])
        #expect(keptSuffix.count <= (100 - 3) / 4 && keptSuffix.count > 0)
        #expect(tokenizer.encode(prefix).suffix(keptPrefix.count).elementsEqual(keptPrefix), "the prefix's end is kept")
        #expect(tokenizer.encode(suffix).prefix(keptSuffix.count).elementsEqual(keptSuffix), "the suffix's start is kept")
        // Within budget, nothing is cut.
        #expect(fim.prompt(prefix: "x", suffix: "y", tokenizer: tokenizer, budget: 100) == fim.prompt(prefix: "x", suffix: "y", tokenizer: tokenizer))
    }
}
