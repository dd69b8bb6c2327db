/// The sentinel tokens of fill-in-the-middle (Bavarian et al. 2022, "Efficient Training of
/// Language Models to Fill in the Middle"), as each code-model family names them, and the prompt
/// that asks a model for the middle between a prefix and a suffix.
public struct FIMTokens: Sendable, Equatable {
    public let family: String
    public let prefix: Int
    public let suffix: Int
    public let middle: Int
    /// The token that ends a middle when it is not the tokenizer's eos (CodeLlama's <EOT>).
    public let end: Int?
    /// Repository-level context (Qwen2.5-Coder, StarCoder2): llama.cpp's /infill puts each extra
    /// file after a file separator.
    public let repository: Int?
    public let fileSeparator: Int?

    /// One family's names: prefix, suffix, middle, end, repository, file separator.
    struct Names {
        let family, prefix, suffix, middle: String
        var end: String? = nil
        var repository: String? = nil
        var fileSeparator: String? = nil
    }

    /// The families' spellings, from their tokenizer.json files. codeloop's own models use
    /// StarCoder's names.
    static let families = [
        Names(family: "StarCoder", prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>",
              repository: "<repo_name>", fileSeparator: "<file_sep>"),
        Names(family: "Qwen2.5-Coder", prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>",
              repository: "<|repo_name|>", fileSeparator: "<|file_sep|>"),
        Names(family: "DeepSeek-Coder", prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>"),
        Names(family: "CodeLlama", prefix: "▁<PRE>", suffix: "▁<SUF>", middle: "▁<MID>", end: "▁<EOT>"),
        Names(family: "SantaCoder", prefix: "<fim-prefix>", suffix: "<fim-suffix>", middle: "<fim-middle>"),
    ]

    /// The names codeloop adds to its own tokenizer when it trains with FIM.
    public static let codeloopNames = [families[0].prefix, families[0].suffix, families[0].middle]

    public init(family: String, prefix: Int, suffix: Int, middle: Int, end: Int? = nil, repository: Int? = nil, fileSeparator: Int? = nil) {
        self.family = family
        self.prefix = prefix
        self.suffix = suffix
        self.middle = middle
        self.end = end
        self.repository = repository
        self.fileSeparator = fileSeparator
    }

    /// The tokenizer's FIM tokens, or nil when it has none of the families' three.
    public init?(tokenizer: Tokenizer) {
        let lookup = tokenizer.specialTokens
        for names in Self.families {
            guard let prefix = lookup[names.prefix], let suffix = lookup[names.suffix], let middle = lookup[names.middle] else { continue }
            self.init(family: names.family, prefix: prefix, suffix: suffix, middle: middle, end: names.end.flatMap { lookup[$0] },
                      repository: names.repository.flatMap { lookup[$0] }, fileSeparator: names.fileSeparator.flatMap { lookup[$0] })
            return
        }
        return nil
    }

    /// The tokenizer's FIM tokens, or a one-line error saying the model cannot infill.
    public static func of(_ tokenizer: Tokenizer) throws -> FIMTokens {
        guard let tokens = FIMTokens(tokenizer: tokenizer) else {
            throw TokenizerError("this model cannot fill in the middle: its tokenizer has none of the FIM tokens of "
                                 + families.map { "\($0.family) (\($0.prefix))" }.joined(separator: ", "))
        }
        return tokens
    }

    /// Tokens that end a middle: the family's end token and the tokenizer's eos, and the sentinels
    /// themselves and the file separator (a model that writes one has left the middle; llama.cpp
    /// ends generation at the FIM tokens too).
    public func stopTokens(_ tokenizer: Tokenizer) -> Set<Int> {
        Set([end, tokenizer.eos, prefix, suffix, middle, fileSeparator].compactMap { $0 })
    }

    /// An extra file shown before the prefix (llama.cpp's `input_extra`).
    public struct ExtraFile: Sendable, Equatable {
        public let name: String
        public let text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    /// The prompt for the middle between `prefix` and `suffix`, in prefix-suffix-middle order
    /// (llama.cpp's /infill layout): the template's BOS, the extra files (after the repository and
    /// file-separator tokens when the family has them, else as plain text), then
    /// <PRE> prefix <SUF> suffix <MID> and `middleStart` (text the middle is known to begin with).
    /// Within a `budget` of tokens, as llama.cpp fits an infill prompt to its context: the extra
    /// files go first, then the suffix keeps at most a quarter of what is left (its start) and the
    /// prefix the rest (its end, nearest the gap).
    public func prompt(prefix prefixText: String, suffix suffixText: String, middleStart: String = "", extra: [ExtraFile] = [],
                       tokenizer: Tokenizer, budget: Int? = nil) -> [Int] {
        let full = layout(prefix: prefixText, suffix: suffixText, middleStart: middleStart, extra: extra, tokenizer: tokenizer)
        guard let budget, full.count > budget else { return full }
        let prefixIDs = tokenizer.encode(prefixText, allowSpecial: false), suffixIDs = tokenizer.encode(suffixText, allowSpecial: false)
        let start = tokenizer.encode(middleStart, allowSpecial: false)
        let available = max(0, budget - tokenizer.prefixIDs.count - 3 - (middleStart.isEmpty ? 0 : start.count))
        let keptSuffix = min(suffixIDs.count, available / 4)
        let keptPrefix = min(prefixIDs.count, available - keptSuffix)
        return tokenizer.prefixIDs + [prefix] + prefixIDs.suffix(keptPrefix) + [suffix] + suffixIDs.prefix(keptSuffix) + [middle]
            + (middleStart.isEmpty ? [] : start)
    }

    private func layout(prefix prefixText: String, suffix suffixText: String, middleStart: String, extra: [ExtraFile],
                        tokenizer: Tokenizer) -> [Int] {
        var ids = tokenizer.prefixIDs
        if !extra.isEmpty {
            if let repository, let fileSeparator {
                ids += [repository] + tokenizer.encode("codeloop\n", allowSpecial: false)
                for file in extra {
                    ids += [fileSeparator] + tokenizer.encode(file.name + "\n" + file.text, allowSpecial: false)
                }
            } else {
                ids += tokenizer.encode(extra.map(\.text).joined(), allowSpecial: false)
            }
        }
        ids += [prefix] + tokenizer.encode(prefixText, allowSpecial: false)
        ids += [suffix] + tokenizer.encode(suffixText, allowSpecial: false)
        ids.append(middle)
        if !middleStart.isEmpty { ids += tokenizer.encode(middleStart, allowSpecial: false) }
        return ids
    }
}
