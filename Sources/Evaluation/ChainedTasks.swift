import Seeding

/// The Codex paper's synthetic test of docstrings that chain operations (section 6, figure 11):
/// each task asks for a sequence of k basic string manipulations, so that pass rate can be
/// drawn against k. The paper names building blocks such as "convert the string to lowercase" and
/// "remove every third character" and uses 13 of them without listing them; the 13 below
/// complete the set in that style (docs/CHAINED.md lists them). Each task's tests are the
/// composed reference run on random strings; the reference is given both as Python (the
/// canonical solution, which the tests check) and in Swift (which computes the expected outputs),
/// and a test runs the one against the other.
public enum ChainedTasks {
    /// One building block: how the docstring says it, the Python line that does it to `s`, and
    /// the same on a Swift string of ASCII characters.
    public struct Operation: Sendable {
        public let phrase: String
        let python: String
        let apply: @Sendable ([Character]) -> [Character]
    }

    public static let operations: [Operation] = [
        Operation(phrase: "convert the string to lowercase", python: "s = s.lower()") { $0.map { Character($0.lowercased()) } },
        Operation(phrase: "convert the string to uppercase", python: "s = s.upper()") { $0.map { Character($0.uppercased()) } },
        Operation(phrase: "swap the case of every letter", python: "s = s.swapcase()") {
            $0.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }
        },
        Operation(phrase: "reverse the string", python: "s = s[::-1]") { $0.reversed() },
        Operation(phrase: "remove every third character", python: "s = \"\".join(c for i, c in enumerate(s) if i % 3 != 2)") {
            $0.enumerated().filter { $0.offset % 3 != 2 }.map(\.element)
        },
        Operation(phrase: "drop the last half of the string, as computed by characters", python: "s = s[:len(s) // 2]") {
            Array($0.prefix($0.count / 2))
        },
        Operation(phrase: "replace every space with an exclamation mark", python: "s = s.replace(\" \", \"!\")") {
            $0.map { $0 == " " ? "!" : $0 }
        },
        Operation(phrase: "replace every comma with a semicolon", python: "s = s.replace(\",\", \";\")") {
            $0.map { $0 == "," ? ";" : $0 }
        },
        Operation(phrase: "remove every vowel", python: "s = \"\".join(c for c in s if c.lower() not in \"aeiou\")") {
            $0.filter { !"aeiou".contains(Character($0.lowercased())) }
        },
        Operation(phrase: "remove every digit", python: "s = \"\".join(c for c in s if not c.isdigit())") {
            $0.filter { !$0.isASCII || !$0.isNumber }
        },
        Operation(phrase: "repeat every character twice", python: "s = \"\".join(c * 2 for c in s)") {
            $0.flatMap { [$0, $0] }
        },
        Operation(phrase: "move the first character to the end", python: "s = s[1:] + s[:1]") {
            Array($0.dropFirst() + $0.prefix(1))
        },
        Operation(phrase: "remove the spaces at the start and the end", python: "s = s.strip()") {
            Array($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        },
    ]

    /// Test inputs draw from these: letters of both cases, digits, spaces and punctuation, so
    /// that every operation has something to act on.
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789     ,,,!!..")
    public static let testsPerTask = 5

    /// What `--problems chained[:seed=S,tasks=N]` names: N tasks (default 10) for each k = 1...13,
    /// drawn from seed S (default 0).
    public static func problemSet(named spec: String) throws -> ProblemSet? {
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.first?.lowercased() == "chained" else { return nil }
        var seed: UInt64 = 0, tasks = 10
        for setting in parts.count > 1 ? parts[1].split(separator: ",") : [] {
            let pair = setting.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch (pair.first, pair.count == 2 ? pair[1] : nil) {
            case ("seed", let value?) where UInt64(value) != nil: seed = UInt64(value)!
            case ("tasks", let value?) where (Int(value) ?? 0) >= 1: tasks = Int(value)!
            default: throw EvaluationError("\(spec): expected chained[:seed=S,tasks=N] with S ≥ 0 and N ≥ 1, got '\(setting)'")
            }
        }
        return problemSet(seed: seed, tasksPerLength: tasks)
    }

    public static func problemSet(seed: UInt64 = 0, tasksPerLength: Int = 10) -> ProblemSet {
        var problems: [Problem] = []
        for k in 1...operations.count {
            for index in 0..<tasksPerLength {
                var random = SplitMix64(seed: seed, stream: k * 1_000_003 + index)
                problems.append(task(k: k, index: index, random: &random))
            }
        }
        return ProblemSet(name: "Chained docstrings (seed \(seed))", problems: problems)
    }

    /// "Chained/k=3/7": the report reads k back from the id.
    public static func length(ofTaskID taskID: String) -> Int? {
        let parts = taskID.split(separator: "/")
        guard parts.count == 3, parts[0] == "Chained", parts[1].hasPrefix("k=") else { return nil }
        return Int(parts[1].dropFirst(2))
    }

    static func task(k: Int, index: Int, random: inout SplitMix64) -> Problem {
        let chosen = Array(operations.indices.shuffled(using: &random).prefix(k)).map { operations[$0] }
        let prompt = """
            def string_manipulation(s: str) -> str:
                \"\"\"
                This function takes a string as input, then returns the result of performing
                the following sequence of manipulations on that string:
            \(chosen.map { "    -" + $0.phrase }.joined(separator: "\n"))
                \"\"\"

            """
        let body = chosen.map { "    " + $0.python + "\n" }.joined() + "    return s\n"
        var asserts: [String] = []
        for _ in 0..<testsPerTask {
            let length = Int.random(in: 8...24, using: &random)
            let input = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            let output = chosen.reduce(input) { $1.apply($0) }
            asserts.append("    assert candidate(\(PythonJSON.string(String(input)))) == \(PythonJSON.string(String(output)))")
        }
        let test = "def check(candidate):\n" + asserts.joined(separator: "\n") + "\n"
        return Problem(taskID: "Chained/k=\(k)/\(index)", prompt: prompt, canonicalSolution: body, test: test, entryPoint: "string_manipulation")
    }
}
