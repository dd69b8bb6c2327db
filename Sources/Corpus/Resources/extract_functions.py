"""Codex-S pairs from one Python source on stdin: every top-level function with a docstring and a
body of at most MAXIMUM_BODY_LINES lines, as one JSON object per line: name, prompt (the module's
imports, the signature and the docstring) and completion (the body). Run by `codeloop corpus
functions` inside the sandbox: the corpus is untrusted input."""
import ast
import json
import sys

MAXIMUM_BODY_LINES = 40

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
    if not body.strip() or body.count("\n") > MAXIMUM_BODY_LINES:
        continue
    prompt = header + "".join(lines[node.lineno - 1:doc.end_lineno])
    print(json.dumps({"name": node.name, "prompt": prompt, "completion": body.rstrip() + "\n"}))
