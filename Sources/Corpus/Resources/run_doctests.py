"""Runs the doctest examples in a function's docstring against the function, for Codex-S's
verified set. stdin: one JSON object {"prompt", "completion"} (the module's imports, signature
and docstring; the body), with "path" and "module" when the function's module can be imported
(its wheel, zip or directory, and its dotted name), and "packages": the entries that hold each
top-level package of the corpus, for the module's dependencies. Prints one JSON object: the number of examples
and of failures, and whether they ran in the module's namespace. Run by `codeloop corpus functions
--verify-doctests` inside the sandbox, which also bounds its time."""
import ast
import doctest
import importlib
import importlib.machinery
import json
import sys


class CorpusFinder:
    """Finds a top-level package in the archives that hold it: putting all of a corpus's archives
    on sys.path instead opens each one's directory, seconds per run for hundreds of wheels."""

    def __init__(self, packages):
        self.packages = packages

    def find_spec(self, name, path=None, target=None):
        if path is not None or name not in self.packages:
            return None
        return importlib.machinery.PathFinder.find_spec(name, self.packages[name])


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
# The examples were written against the module: its helpers, constants and relative imports. Its
# namespace is used when it imports here; the function is then defined again from the text itself.
namespace = {"__name__": "__codeloop_doctest__"}
module = "not given"
if pair.get("path") and pair.get("module"):
    sys.path.insert(0, pair["path"])
    sys.meta_path.append(CorpusFinder(pair.get("packages", {})))
    try:
        namespace = dict(vars(importlib.import_module(pair["module"])))
        module = "imported"
    except BaseException as error:  # a dependency the sandbox lacks, or module code that fails here
        module = "not imported: " + type(error).__name__
try:
    exec(compile(source, "<function>", "exec"), namespace)
except BaseException as error:  # an import the sandbox lacks, or code that fails at definition
    print(json.dumps({"examples": len(examples), "failed": len(examples), "error": type(error).__name__, "module": module}))
    sys.exit(0)
test = doctest.DocTest(examples, namespace, function.name, "<function>", function.lineno, docstring)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
result = runner.run(test, out=lambda text: None)
print(json.dumps({"examples": result.attempted, "failed": result.failed, "module": module}))
