import Testing
@testable import Evaluation

@Suite struct BackTranslationTests {
    @Test func theDocstringMovesAfterTheCode() throws {
        let problem = Problem(taskID: "t", prompt: "import math\n\n\ndef f(x):\n    \"\"\" Add one.\n    >>> f(1)\n    2\n    \"\"\"\n",
                              canonicalSolution: "", test: "", entryPoint: "f")
        let text = try #require(problem.backTranslation(completion: "    return x + 1\n"))
        #expect(text.context == "import math\n\n\ndef f(x):\n    return x + 1\n\n\n\"\"\"")
        #expect(text.docstring == " Add one.\n    >>> f(1)\n    2\n    \"\"\"")
    }

    /// The entry point's docstring, not a helper's before it (HumanEval/38's decode_cyclic).
    @Test func theEntryPointsDocstringIsTheOne() throws {
        let problem = try #require(try ProblemSet.load("humaneval")["HumanEval/38"])
        let text = try #require(problem.backTranslation(completion: "    return s\n"))
        #expect(text.docstring.contains("takes as input string encoded with encode_cyclic function"))
        #expect(text.context.contains("returns encoded string by cycling groups of three characters"))
        #expect(!text.context.contains("takes as input string encoded"))
    }

    /// MBPP's prompt is only a docstring: the code is the completion alone.
    @Test func mbppPromptIsTheDocstring() throws {
        let problem = try #require(try ProblemSet.load("mbpp")["Mbpp/2"])
        let text = try #require(problem.backTranslation(completion: "def similar_elements(a, b):\n    return set(a) & set(b)\n"))
        #expect(text.context == "def similar_elements(a, b):\n    return set(a) & set(b)\n\n\n\"\"\"")
        #expect(text.docstring == "\nWrite a function to find the shared elements from the given two lists.\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n\"\"\"")
        #expect(Problem(taskID: "t", prompt: "def f():\n", canonicalSolution: "", test: "", entryPoint: "f").backTranslation(completion: "") == nil)
    }
}
