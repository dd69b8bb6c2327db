import Foundation

/// Codex-S's training examples, from ordinary code: every top-level function with a docstring
/// and a body becomes (module imports + signature + docstring → body), the shape of a HumanEval
/// prompt and its canonical solution. Python's own ast module does the parsing; the program
/// below runs in the sandbox (the corpus is untrusted input) with one source file on stdin and
/// prints one JSON object per function.
public enum FunctionPairs {
    /// Longest body kept, in lines: Codex-S's functions are short, standalone ones.
    public static let maximumBodyLines = 40

    public static let extractionProgram = #"""
    import ast, json, sys
    source = sys.stdin.read()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        sys.exit(0)
    lines = source.splitlines(keepends=True)
    imports = "".join("".join(lines[n.lineno - 1:n.end_lineno]) for n in tree.body
                      if isinstance(n, (ast.Import, ast.ImportFrom)) and n.col_offset == 0)
    header = imports + "\n\n" if imports else ""
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.decorator_list or len(node.body) < 2:
            continue
        doc = node.body[0]
        if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
            continue
        if doc.lineno == node.lineno or node.body[1].lineno <= doc.end_lineno:
            continue  # a one-line function, or code sharing the docstring's line
        body = "".join(lines[doc.end_lineno:node.end_lineno])
        if not body.strip() or body.count("\n") > MAXIMUM:
            continue
        prompt = header + "".join(lines[node.lineno - 1:doc.end_lineno])
        print(json.dumps({"name": node.name, "prompt": prompt, "completion": body.rstrip() + "\n"}))
    """#.replacingOccurrences(of: "MAXIMUM", with: String(maximumBodyLines))

    /// The pairs in one run's output, skipping lines that are not whole objects (a truncated tail).
    public static func parse(_ output: String) -> [(prompt: String, completion: String)] {
        output.split(separator: "\n").compactMap { line in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
                  let prompt = object["prompt"] as? String, let completion = object["completion"] as? String else { return nil }
            return (prompt, completion)
        }
    }
}
