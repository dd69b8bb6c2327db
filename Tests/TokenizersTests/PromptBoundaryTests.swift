import Tokenizers
import Testing

@Suite struct PromptBoundaryTests {
    @Test func trailingWhitespaceIsLeftToTheModel() {
        let prompt = "def add(x, y):\n    \"\"\"Add.\"\"\"\n"
        let boundary = PromptBoundary(prompt)
        #expect(boundary.head == "def add(x, y):\n    \"\"\"Add.\"\"\"")
        #expect(boundary.tail == "\n")
        // What the model writes after the head, given back after the whole prompt.
        #expect(boundary.completion("\n    return x + y\n") == "    return x + y\n")
        #expect(prompt + boundary.completion("\n    return x + y\n") == boundary.head + "\n    return x + y\n")
        // Text that does not start with the tail stays as written.
        #expect(boundary.completion(" # done") == " # done")
    }

    @Test func indentationAndEmptyPrompts() {
        let indented = PromptBoundary("def f():\n    ")
        #expect(indented.head == "def f():" && indented.tail == "\n    ")
        #expect(indented.completion("\n    return 1") == "return 1")
        #expect(indented.completion("\n\n    return 1") == "\n\n    return 1")
        let plain = PromptBoundary("x = 1")
        #expect(plain.head == "x = 1" && plain.tail.isEmpty && plain.completion("0") == "0")
        let blank = PromptBoundary(" \n")
        #expect(blank.head.isEmpty && blank.tail == " \n")
    }
}
