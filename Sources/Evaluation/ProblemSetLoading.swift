import BundledData
import Foundation

extension ProblemSet {
    /// A problem set shipped with codeloop.
    struct BuiltIn {
        let names: [String]
        let file: String
        let title: String
    }

    static let builtIns = [
        BuiltIn(names: ["humaneval"], file: "HumanEval.jsonl.gz", title: "HumanEval"),
        BuiltIn(names: ["humaneval+", "humanevalplus"], file: "HumanEvalPlus.jsonl.gz", title: "HumanEval+"),
        BuiltIn(names: ["mbpp"], file: "sanitized-mbpp.json.gz", title: "MBPP (sanitized)"),
        BuiltIn(names: ["mbpp+", "mbppplus"], file: "MbppPlus.jsonl.gz", title: "MBPP+"),
        BuiltIn(names: ["apps"], file: "apps_10.jsonl.gz", title: "APPS (10-problem sample)"),
        BuiltIn(names: ["humaneval-infill-single", "single-line"], file: "HumanEval-SingleLineInfilling.jsonl.gz",
                title: "HumanEval single-line infilling"),
        BuiltIn(names: ["humaneval-infill-multi", "multi-line"], file: "HumanEval-MultiLineInfilling.jsonl.gz",
                title: "HumanEval multi-line infilling"),
        BuiltIn(names: ["humaneval-infill-random-span", "random-span"], file: "HumanEval-RandomSpanInfilling.jsonl.gz",
                title: "HumanEval random-span infilling"),
        BuiltIn(names: ["humaneval-infill-random-span-light", "random-span-light"], file: "HumanEval-RandomSpanInfillingLight.jsonl.gz",
                title: "HumanEval random-span infilling (light)"),
    ]

    /// The built-in sets' names (each may also go by an alias, e.g. humanevalplus), and the
    /// generated chained-docstring set.
    public static var builtInNames: [String] { builtIns.map { $0.names[0] } + ["apps-1shot", "chained[:seed=S,tasks=N]"] }

    /// evalplus's stop sequences for MBPP-style prompts, where the model writes whole functions.
    public static let mbppStops = ["\nif __name__", "\ndef main(", "\nprint(", "\n\"\"\"", "\nassert"]
    /// APPS programs run to the end of the file; a new question is the only natural stop.
    public static let appsStops = ["\nQUESTION:", "\nANSWER:"]

    /// A built-in set by name, or a file by path in any of the formats below.
    public static func load(_ nameOrPath: String) throws -> ProblemSet {
        if let chained = try ChainedTasks.problemSet(named: nameOrPath) { return chained }
        // APPS with one solved problem before each (the Codex paper's 1-shot): `apps-1shot`, or
        // `FILE.jsonl:1shot` for an APPS file.
        for suffix in ["-1shot", ":1shot"] where nameOrPath.lowercased().hasSuffix(suffix) {
            let base = try load(String(nameOrPath.dropLast(suffix.count)))
            return ProblemSet(name: base.name + " (1-shot)", problems: base.problems.map(AppsOneShot.prompted), stops: base.stops)
        }
        if let builtIn = builtIns.first(where: { $0.names.contains(nameOrPath.lowercased()) }) {
            guard let path = BundledData.path(for: builtIn.file, target: "Evaluation") else {
                throw EvaluationError(BundledData.missing(builtIn.file))
            }
            return try load(path: path, name: builtIn.title)
        }
        return try load(path: nameOrPath, name: (nameOrPath as NSString).lastPathComponent)
    }

    /// Reads a problem file, telling the format by the first record's fields: APPS
    /// (`input_output`), evalplus (`base_input` and `plus_input`), MBPP (`test_list`), or
    /// human-eval (`prompt`, `test`, `entry_point`). JSONL, a JSON array, either gzipped.
    public static func load(path: String, name: String) throws -> ProblemSet {
        let records = try JSONLines.readRecords(path)
        guard let first = records.first?.object else { throw EvaluationError.file(path, "no problems") }
        let problems: [Problem]
        let stops: [String]
        if first["input_output"] != nil {
            problems = try records.map { try ProblemRecord($0, path).apps() }
            stops = appsStops
        } else if first["base_input"] != nil && first["plus_input"] != nil {
            problems = try records.map { try ProblemRecord($0, path).evalplus() }
            stops = problems.first.map { $0.taskID.hasPrefix("Mbpp/") } == true ? mbppStops : humanEvalStops
        } else if first["test_list"] != nil {
            problems = try records.map { try ProblemRecord($0, path).mbpp() }
            stops = mbppStops
        } else {
            problems = try records.map { try ProblemRecord($0, path).humanEval() }
            // A middle ends where the model ends it (its end-of-middle token), not at a new top-level line.
            stops = first["suffix"] != nil ? [] : humanEvalStops
        }
        var seen: [String: Int] = [:]
        for (problem, record) in zip(problems, records) {
            if let firstLine = seen[problem.taskID] {
                throw EvaluationError.at(path, line: record.number, "duplicate task_id \"\(problem.taskID)\" (first on line \(firstLine))")
            }
            seen[problem.taskID] = record.number
        }
        return ProblemSet(name: name, problems: problems, stops: stops)
    }
}

/// One record of a problem file, read field by field with errors that name file, line and field.
struct ProblemRecord {
    let line: JSONLine
    let path: String

    init(_ line: JSONLine, _ path: String) {
        self.line = line
        self.path = path
    }

    func error(_ message: String) -> EvaluationError { EvaluationError.at(path, line: line.number, message) }

    func string(_ key: String) throws -> String { try line.string(key, in: path) }

    func optionalString(_ key: String) throws -> String? {
        guard let value = line.object[key], !(value is NSNull) else { return nil }
        guard let string = value as? String else { throw error("field \"\(key)\" must be a string") }
        return string
    }

    func strings(_ key: String) throws -> [String] {
        guard let value = line.object[key] else { throw error("missing field \"\(key)\"") }
        guard let strings = value as? [String] else { throw error("field \"\(key)\" must be a list of strings") }
        return strings
    }

    /// task_id as a string; MBPP and APPS number their tasks.
    func taskID(_ key: String = "task_id", prefix: String = "") throws -> String {
        guard let value = line.object[key] else { throw error("missing field \"\(key)\"") }
        if let string = value as? String { return string }
        // Foundation on Linux reads JSON booleans as NSNumbers too; their type code is "c".
        if let number = value as? NSNumber, String(cString: number.objCType) != "c",
           let integer = Int(exactly: number.doubleValue) { return prefix + String(integer) }
        throw error("field \"\(key)\" must be a string or an integer")
    }

    func humanEval() throws -> Problem {
        Problem(taskID: try string("task_id"), prompt: try string("prompt"), suffix: try optionalString("suffix"),
                canonicalSolution: try optionalString("canonical_solution") ?? "",
                test: try string("test"), entryPoint: try string("entry_point"))
    }

    /// evalplus's native format (HumanEval+, MBPP+).
    func evalplus() throws -> Problem {
        let taskID = try string("task_id")
        let isMBPP = taskID.hasPrefix("Mbpp/")
        var prompt = try string("prompt")
        if isMBPP, let assertion = try optionalString("assertion") {
            prompt = MBPPPrompt.make(description: MBPPPrompt.description(fromDocstring: prompt), firstTest: assertion)
        }
        for key in ["base_input", "plus_input"] where line.object[key] == nil {
            throw error("missing field \"\(key)\"")
        }
        guard line.object["atol"] != nil else { throw error("missing field \"atol\"") }
        return Problem(taskID: taskID, prompt: prompt, canonicalSolution: try string("canonical_solution"),
                       entryPoint: try string("entry_point"),
                       suite: .differential(DifferentialTests(dataset: isMBPP ? "mbpp" : "humaneval", recordJSON: line.text.isEmpty ? try reserialized() : line.text)))
    }

    private func reserialized() throws -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: line.object) else { throw error("cannot be re-encoded as JSON") }
        return String(decoding: data, as: UTF8.self)
    }

    /// MBPP (the sanitized or the full file): the prompt is evalplus's docstring with the
    /// description and the first test, so the model learns the function's name and signature.
    func mbpp() throws -> Problem {
        let tests = try strings("test_list")
        guard let firstTest = tests.first else { throw error("field \"test_list\" is empty") }
        let description = try optionalString("prompt") ?? (try string("text"))
        var setup = (line.object["test_imports"] as? [String] ?? []).joined(separator: "\n")
        if let extra = try optionalString("test_setup_code"), !extra.isEmpty { setup += (setup.isEmpty ? "" : "\n") + extra }
        return Problem(taskID: try taskID(prefix: "Mbpp/"), prompt: MBPPPrompt.make(description: description, firstTest: firstTest),
                       canonicalSolution: try optionalString("code") ?? "", entryPoint: MBPPPrompt.functionName(in: firstTest) ?? "",
                       suite: .asserts(setup: setup, asserts: tests))
    }

    /// APPS (codeparrot/apps): question, starter_code, input_output as a JSON string (with
    /// fn_name for call-based problems), difficulty. The prompt is the APPS paper's format.
    func apps() throws -> Problem {
        let taskID: String = line.object["task_id"] != nil ? try self.taskID() : try self.taskID("problem_id", prefix: "APPS/")
        let question = try string("question")
        let starter = try optionalString("starter_code") ?? ""
        var problem: Problem
        if let calls = try callCases("input_output") {
            let prompt = "\nQUESTION:\n" + question + "\n" + starter + "\nUse Call-Based format\nANSWER:\n"
            problem = Problem(taskID: taskID, prompt: prompt, canonicalSolution: "", entryPoint: calls.functionName, suite: .callBased(calls))
        } else {
            let hidden = try ioCases("input_output")
            let examples = line.object["public_input_output"] != nil ? try ioCases("public_input_output") : StatementExamples.parse(question)
            let prompt = "\nQUESTION:\n" + question + "\n" + starter + "\nUse Standard Input format\nANSWER:\n"
            problem = Problem(taskID: taskID, prompt: prompt, canonicalSolution: "", entryPoint: "",
                              suite: .standardIO(StandardIOTests(publicCases: examples, cases: hidden)))
        }
        problem.difficulty = try optionalString("difficulty")
        return problem
    }

    /// A call-based `input_output` field (one with fn_name): each input a JSON list of arguments,
    /// each output any JSON value. nil for a stdin/stdout one.
    func callCases(_ key: String) throws -> CallBasedTests? {
        let text = try string(key)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw error("field \"\(key)\" is not a JSON object in a string")
        }
        guard let name = object["fn_name"] else { return nil }
        guard let functionName = name as? String, !functionName.isEmpty else { throw error("field \"\(key)\": fn_name must be a non-empty string") }
        guard let inputs = object["inputs"] as? [Any], let outputs = object["outputs"] as? [Any] else {
            throw error("field \"\(key)\" needs lists \"inputs\" and \"outputs\"")
        }
        guard inputs.count == outputs.count else { throw error("field \"\(key)\" has \(inputs.count) inputs but \(outputs.count) outputs") }
        func json(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]), as: UTF8.self)
        }
        let cases = try zip(inputs, outputs).map { input, output -> IOCase in
            guard input is [Any] else { throw error("field \"\(key)\": each input of a call-based problem must be a list of arguments") }
            return IOCase(input: try json(input), output: try json(output))
        }
        return CallBasedTests(functionName: functionName, cases: cases)
    }

    /// An APPS `input_output` field: a JSON string with "inputs" and "outputs", each case a
    /// string or a list of lines (joined with newlines, as APPS does).
    func ioCases(_ key: String) throws -> [IOCase] {
        let text = try string(key)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw error("field \"\(key)\" is not a JSON object in a string")
        }
        func texts(_ name: String) throws -> [String] {
            guard let values = object[name] as? [Any] else { throw error("field \"\(key)\" needs a list \"\(name)\"") }
            return try values.map { value in
                if let string = value as? String { return string }
                if let lines = value as? [String] { return lines.joined(separator: "\n") }
                throw error("field \"\(key)\": each of \"\(name)\" must be a string or a list of strings")
            }
        }
        let inputs = try texts("inputs"), outputs = try texts("outputs")
        guard inputs.count == outputs.count else {
            throw error("field \"\(key)\" has \(inputs.count) inputs but \(outputs.count) outputs")
        }
        return zip(inputs, outputs).map { IOCase(input: $0, output: $1) }
    }
}

/// MBPP's prompt as evalplus writes it: a docstring holding the task and its first test.
enum MBPPPrompt {
    static func make(description: String, firstTest: String) -> String {
        "\"\"\"\n" + description.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            + firstTest.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").first.map(String.init)! + "\n\"\"\"\n"
    }

    /// The text inside a prompt written as a docstring (the MBPP+ snapshot's `'''...'''`).
    static func description(fromDocstring prompt: String) -> String {
        var text = prompt.trimmingCharacters(in: .whitespacesAndNewlines)
        for quote in ["\"\"\"", "'''"] where text.hasPrefix(quote) && text.hasSuffix(quote) && text.count >= 6 {
            text = String(text.dropFirst(3).dropLast(3))
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The function an `assert name(...) == ...` line calls.
    static func functionName(in test: String) -> String? {
        var rest = Substring(test.trimmingCharacters(in: .whitespaces))
        guard rest.hasPrefix("assert") else { return nil }
        rest = rest.dropFirst(6).drop { $0 == " " || $0 == "(" }
        for prefix in ["set(", "math.isclose(", "not ", "sorted("] where rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return name.isEmpty ? nil : String(name)
    }
}
