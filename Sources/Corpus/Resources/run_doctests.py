"""Runs the doctest examples in a function's docstring against the function, for Codex-S's
verified set. stdin: one JSON object {"prompt", "completion"} (the module's imports, signature
and docstring; the body). Prints one JSON object: the number of examples and of failures. Run by
`codeloop corpus functions --verify-doctests` inside the sandbox, which also bounds its time."""
import ast
import doctest
import json
import sys

pair = json.loads(sys.stdin.read())
source = pair["prompt"] + pair["completion"]
try:
    tree = ast.parse(source)
except (SyntaxError, ValueError, RecursionError, MemoryError):
    print(json.dumps({"examples": 0, "failed": 0, "error": "does not parse"}))
    sys.exit(0)
function = next(node for node in reversed(tree.body) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))
docstring = ast.get_docstring(function, clean=False) or ""
examples = doctest.DocTestParser().get_examples(docstring)
if not examples:
    print(json.dumps({"examples": 0, "failed": 0}))
    sys.exit(0)
namespace = {"__name__": "__codeloop_doctest__"}
try:
    exec(compile(source, "<function>", "exec"), namespace)
except BaseException as error:  # an import the sandbox lacks, or code that fails at definition
    print(json.dumps({"examples": len(examples), "failed": len(examples), "error": type(error).__name__}))
    sys.exit(0)
test = doctest.DocTest(examples, namespace, function.name, "<function>", function.lineno, docstring)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
result = runner.run(test, out=lambda text: None)
print(json.dumps({"examples": result.attempted, "failed": result.failed}))
