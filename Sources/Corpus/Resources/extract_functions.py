"""Codex-S pairs from one Python source on stdin: every top-level function with a docstring and a
body of at most MAXIMUM_BODY_LINES lines, as one JSON object per line: name, prompt (the module's
imports that the function uses, the signature and the docstring) and completion (the body). Run by
`codeloop corpus functions` inside the sandbox: the corpus is untrusted input."""
import ast
import doctest
import json
import sys

MAXIMUM_BODY_LINES = 40

source = sys.stdin.read()
try:
    tree = ast.parse(source)
except (SyntaxError, ValueError, RecursionError, MemoryError):
    sys.exit(0)
lines = source.splitlines(keepends=True)
imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)) and n.col_offset == 0]


def names_in(code, mode="exec"):
    try:
        return {n.id for n in ast.walk(ast.parse(code, mode=mode)) if isinstance(n, ast.Name)}
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()


def names_used(function, docstring):
    """The names a function reads: its code, its string annotations, and its docstring's examples
    (which `--verify-doctests` runs with these imports when the module itself does not import)."""
    used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    arguments = function.args
    annotations = [a.annotation for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                   + [arguments.vararg, arguments.kwarg] if a is not None] + [function.returns]
    for annotation in annotations:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            used |= names_in(annotation.value, "eval")
    try:
        examples = doctest.DocTestParser().get_examples(docstring)
    except ValueError:  # a malformed example (doctest's own complaint); the function still counts
        examples = []
    for example in examples:
        used |= names_in(example.source)
    return used


def header(used):
    """The module's import statements cut to the names the function uses, as HumanEval's prompts
    import only what their function needs (`from typing import List`); the other imports of a
    module would fill most of a small context."""
    kept = []
    for statement in imports:
        whole = isinstance(statement, ast.ImportFrom) and (statement.module == "__future__"
                                                           or any(a.name == "*" for a in statement.names))
        # `import a.b` binds a; `import a.b as c` and `from m import b as c` bind c.
        names = statement.names if whole else [
            a for a in statement.names
            if (a.asname or (a.name.split(".")[0] if isinstance(statement, ast.Import) else a.name)) in used]
        if len(names) == len(statement.names):
            kept.append("".join(lines[statement.lineno - 1:statement.end_lineno]))
        elif names:
            statement.names = names
            kept.append(ast.unparse(statement) + "\n")
    return "".join(kept) + "\n\n" if kept else ""


for node in tree.body:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.decorator_list or len(node.body) < 2:
        continue
    doc = node.body[0]
    if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
        continue
    if doc.lineno == node.lineno or node.body[1].lineno <= doc.end_lineno:
        continue  # a one-line function, or code sharing the docstring's line
    body = "".join(lines[doc.end_lineno:node.end_lineno])
    if not body.strip() or body.count("\n") > MAXIMUM_BODY_LINES:
        continue
    prompt = header(names_used(node, doc.value.value)) + "".join(lines[node.lineno - 1:doc.end_lineno])
    print(json.dumps({"name": node.name, "prompt": prompt, "completion": body.rstrip() + "\n"}))
