"""The code in chat models' answers, by evalplus's rules (evalplus 0.3.1, evalplus/sanitize.py),
with Python's ast where evalplus uses tree-sitter. Reads JSON lines {"text", "entry_point"} on
stdin and writes one {"solution", "code_found"} per line. Run by `codeloop sanitize` inside the
sandbox: the answers are untrusted text.

The rules: take the longest range of two or more lines that parses (most non-blank lines, the
first such range on a tie; the first line when none parses); keep its imports, classes, functions
that contain a return, and top-level assignments, the first definition of a name winning; with an
entry point keep only the definitions reachable from it by name; write the imports, then the
definitions in their order. An empty result falls back to the range itself. tree-sitter's view of
the code decides what counts: a decorated definition or a `from __future__` import is neither a
definition nor an import there, so it is dropped; an assignment is named by its first child that
is a bare name (the value's, for `a.b = c`)."""
import ast
import json
import re
import sys

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parses(code):
    try:
        ast.parse(code)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def code_extract(text):
    """evalplus's longest parsing line range, found with the same answer but without trying the
    ranges that cannot beat the best so far."""
    lines = text.split("\n")
    filled = [1 if line.strip() else 0 for line in lines]
    after = [0] * (len(lines) + 1)  # after[i]: non-blank lines from i on
    for i in range(len(lines) - 1, -1, -1):
        after[i] = after[i + 1] + filled[i]
    best, pair = 0, (0, 0)
    for i in range(len(lines)):
        if after[i] <= best:
            break
        count = after[i]
        for j in range(len(lines) - 1, i, -1):
            if count <= best:
                break
            if parses("\n".join(lines[i:j + 1])):
                # The first j (scanning up) with this many lines that parses is evalplus's pick.
                for k in range(i + 1, j + 1):
                    if after[i] - after[k + 1] == count and parses("\n".join(lines[i:k + 1])):
                        best, pair = count, (i, k)
                        break
                break
            count -= filled[j]
    return "\n".join(lines[pair[0]:pair[1] + 1])


def identifiers(node):
    """Every name tree-sitter would call an identifier inside `node`."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
        elif isinstance(child, ast.arg):
            found.add(child.arg)
        elif isinstance(child, ast.keyword) and child.arg:
            found.add(child.arg)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(child.name)
        elif isinstance(child, ast.alias):
            found.update(child.name.split("."))
            if child.asname:
                found.add(child.asname)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            found.update(child.names)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            found.add(child.name)
        elif isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
            found.add(child.name)
    return found


def assignment_name(statement):
    """The name tree-sitter's first identifier child of the assignment gives, or None."""
    if isinstance(statement, ast.Assign):
        if len(statement.targets) > 1:
            candidates = [statement.targets[0]]
        else:
            candidates = [statement.targets[0], statement.value]
    else:
        candidates = [statement.target] + ([statement.value] if statement.value is not None else [])
    for candidate in candidates:
        if isinstance(candidate, ast.Name):
            return candidate.id
    return None


def has_return(node):
    return any(isinstance(child, ast.Return) for child in ast.walk(node))


def indent_width(line):
    """Indentation as tree-sitter's scanner counts it: a tab is 8 columns."""
    width = 0
    for character in line:
        if character == " ":
            width += 1
        elif character == "\t":
            width += 8
        elif character == "\f":
            width = 0
        else:
            break
    return width


class Source:
    """The extracted code's lines, to cut statements out by ast's positions (UTF-8 byte columns on
    lines that \r, \n or \r\n end) as tree-sitter's nodes span them."""

    def __init__(self, code):
        self.encoded = code.encode("utf-8")
        self.lines = code.split("\n")  # where comments end: a comment token runs to \n
        self.lone_carriage_return = re.search(r"\r(?!\n|$)", code) is not None
        self.starts, position = [0], 0
        for match in LINE_BREAK.finditer(code):
            self.starts.append(self.starts[-1] + len(code[position:match.end()].encode("utf-8")))
            position = match.end()

    def text(self, node):
        line, column = node.end_lineno, node.end_col_offset
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            line, column = self.block_end(node, line, column)
        return self.encoded[self.starts[node.lineno - 1] + node.col_offset:self.starts[line - 1] + column]

    def block_end(self, node, line, column):
        """tree-sitter's block ends after the comments that follow its last statement: one on the
        same line, then comment lines indented at least as deep as the block (blank lines between)."""
        if self.lone_carriage_return:
            return line, column  # ast's lines and the comments' differ; keep ast's end
        rest = self.lines[line - 1].encode("utf-8")[column:]
        if rest.strip().startswith(b"#"):
            column = len(self.lines[line - 1].encode("utf-8"))
        if node.body[0].lineno == node.lineno:
            return line, column
        depth = indent_width(self.lines[node.body[0].lineno - 1])
        for number in range(line + 1, len(self.lines) + 1):
            content = self.lines[number - 1]
            if not content.strip():
                continue
            if not content.lstrip().startswith("#") or indent_width(content) < depth:
                break
            line, column = number, len(content.encode("utf-8"))
        return line, column


def extract_target_code_or_empty(code, entry_point):
    code = code_extract(code)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ""
    source = Source(code)
    imports, definitions, taken = [], [], set()
    for statement in tree.body:
        if isinstance(statement, ast.Import) or (isinstance(statement, ast.ImportFrom) and statement.module != "__future__"):
            imports.append(statement)
        elif isinstance(statement, ast.ClassDef) and not statement.decorator_list:
            if statement.name not in taken:
                definitions.append((statement.name, statement))
                taken.add(statement.name)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and not statement.decorator_list:
            if statement.name not in taken and has_return(statement):
                definitions.append((statement.name, statement))
                taken.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            name = assignment_name(statement)
            if name not in taken:
                definitions.append((name, statement))
                taken.add(name)
    reachable = None
    if entry_point:
        graph = {name: identifiers(node) for name, node in definitions}
        reachable, queue = {entry_point}, [entry_point]
        while queue:
            for neighbour in graph.get(queue.pop(0), ()):
                if neighbour not in reachable:
                    reachable.add(neighbour)
                    queue.append(neighbour)
    output = b""
    for node in imports:
        output += source.text(node) + b"\n"
    for name, node in definitions:
        if reachable is not None and name not in reachable:
            continue
        output += source.text(node) + b"\n"
    return output[:-1].decode("utf-8")


def sanitize(text, entry_point):
    code = extract_target_code_or_empty(text, entry_point).strip()
    if not code:
        return code_extract(text)
    return code


def has_code(solution):
    """Whether a solution holds a statement other than a bare expression: prose alone has none."""
    try:
        tree = ast.parse(solution)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return any(not isinstance(statement, ast.Expr) for statement in tree.body)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        solution = sanitize(request["text"], request.get("entry_point"))
        sys.stdout.write(json.dumps({"solution": solution, "code_found": has_code(solution)}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
