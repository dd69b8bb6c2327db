"""Strict judging: a sample is judged by the outputs of its function, never by code that runs in
its own process. The function runs in a child process forked before the sample's code is read;
the child keeps only a pipe to its parent and sends each output serialized by marshal, which it
bound before the sample ran (marshal refuses subclasses and foreign objects). The parent, which
the child cannot reach (a separate, non-dumpable process), times each output against its input's
limit and judges it: plain builtin types, then the benchmark's own rule.

Sources/Evaluation/StrictDriver.swift puts this module first in a check-mode program, then (for
evalplus's suites) differential.py, then one call: _codeloop_strict (differential.py),
_codeloop_strict_asserts (MBPP's assert statements, or the asserts of a check(candidate) function)
or _codeloop_strict_apps (an APPS call-based case). The program
passes, as every check-mode program does, by reaching its last line.
"""
import ast as _ast
import base64 as _base64
import builtins as _builtins
import copy as _copy_module
import json as _json_module
import marshal as _marshal
import os as _os
import posix as _posix
import select as _select
import signal as _signal_module
import struct as _struct
import sys as _sys_module
import time as _time_module

# What an output may be made of: exact builtin types, as marshal keeps them (a code object, which
# it also takes, is refused here).
_PLAIN_TYPES = (int, float, bool, str, bytes, type(None), list, tuple, dict, set, frozenset, complex)
# One output, serialized, at most (the job's memory limit bounds the rest: MBPP+'s
# combinations_colors returns 1.7 million tuples, 644 MB as marshal bytes).
_LARGEST_OUTPUT = 1 << 30
# Seconds a sample may take to be read and defined before its first input's limit starts.
_STRICT_SETUP_SECONDS = 2.0
_RECORD_KINDS = (b"O", b"E", b"T", b"N", b"X", b"D")
_SEND_SECONDS = 0.5
# Seconds to serialize and send one output once its call has returned (megabytes of a list of
# tuples take a while); the suite's total deadline still bounds them.
_SERIALIZE_SECONDS = 10.0
# Seconds of serializing and sending, over all of a suite's outputs, not charged to the sample.
_SERIALIZING_BUDGET = 60.0


class _StrictTimeout(Exception):
    pass


def _strict_alarm(signum, frame):
    raise _StrictTimeout("Timed out!")


def _strict_plain(value, depth=0):
    """The name of the first type in value that is not plain data, or None."""
    if depth > 100:
        return "a structure nested deeper than 100 levels"
    kind = type(value)
    if kind not in _PLAIN_TYPES:
        return kind.__name__
    if kind is dict:
        items = [item for pair in value.items() for item in pair]
    elif kind in (list, tuple, set, frozenset):
        items = value
    else:
        return None
    for item in items:
        found = _strict_plain(item, depth + 1)
        if found is not None:
            return found
    return None


_NUMBERS = (bool, int, float)


def _strict_type_difference(out, exp, path="the output"):
    """Where out's types differ from exp's, all the way down (a list where a tuple is expected, a
    str where bytes are), or None. Numbers (bool, int, float) are one kind: the benchmarks compare
    them by value (== or a tolerance), and their canonical solutions mix them. Sets and dict keys
    are compared by ==, which plain data keeps honest."""
    if type(out) is not type(exp) and not (type(out) in _NUMBERS and type(exp) in _NUMBERS):
        return "%s is a %s where a %s is expected" % (path, type(out).__name__, type(exp).__name__)
    if type(exp) in (list, tuple):
        if len(out) != len(exp):
            return None  # a wrong length is the benchmark's rule's to judge
        for index, (a, b) in enumerate(zip(out, exp)):
            found = _strict_type_difference(a, b, "%s[%d]" % (path, index))
            if found is not None:
                return found
    if type(exp) is dict:
        for key, value in exp.items():
            if key in out:
                found = _strict_type_difference(out[key], value, "%s[%r]" % (path, key))
                if found is not None:
                    return found
    return None


def _strict_message(error):
    try:
        text = (type(error).__name__ + ": " + str(error)) if str(error) else type(error).__name__
    except BaseException:
        text = "an exception that cannot be printed"
    return text.encode("utf-8", "replace")[:2000]


def _strict_child(code, name, calls, limits, channel):
    """The sample's process: it reads the sample only after binding what sends its outputs, and
    keeps nothing of the job but the pipe. It never returns."""
    dumps, write, exit_now = _marshal.dumps, _os.write, _os._exit
    setitimer, real, deepcopy, pack = _signal_module.setitimer, _signal_module.ITIMER_REAL, _copy_module.deepcopy, _struct.pack

    def send(kind, index, payload):
        write(channel, pack("<cII", kind, index, len(payload)) + payload)

    try:
        # The job's other descriptors become the pipe or /dev/null: the worker's verdict channel
        # turns into the pipe, so that its audit hook, which this process inherits, writes its
        # records (a blocked event; a pass record, were the sample to reach it) where only the
        # parent reads them.
        devnull = _os.open(_os.devnull, _os.O_RDWR)
        for fd in (0, 1, 2):
            _os.dup2(devnull, fd)
        for fd in range(3, 1 << 10):
            if fd != channel:
                try:
                    _os.fstat(fd)
                    _os.dup2(channel, fd)
                except OSError:
                    pass
        namespace = {}
        exec(code, namespace)
        function = namespace.get(name)
        if function is None and "Solution" in namespace:
            function = getattr(namespace["Solution"](), name)  # APPS: a method of class Solution
        if function is None:
            raise NameError("the program defines no function named %r" % name)
        _signal_module.signal(_signal_module.SIGALRM, _strict_alarm)
    except BaseException as error:
        send(b"X", 0, _strict_message(error))
        exit_now(1)
    for i, (args, kwargs) in enumerate(calls):
        try:
            setitimer(real, limits[i])
            try:
                out = function(*deepcopy(args), **deepcopy(kwargs))
            finally:
                setitimer(real, 0)
        except _StrictTimeout:
            send(b"T", i, b"")
            exit_now(1)
        except BaseException as error:
            send(b"E", i, _strict_message(error))
            exit_now(1)
        send(b"D", i, b"")  # the call is done: what follows is serializing, not the sample's time
        try:
            data = dumps(out)
        except BaseException:
            send(b"N", i, type(out).__name__.encode("utf-8", "replace"))
            exit_now(1)
        send(b"O", i, data)
    exit_now(0)


def _strict_records(read_fd, limits):
    """The child's records as they complete, (kind, index, payload), until it closes the pipe or
    runs past a limit; a line of the sandbox's audit hook comes as (b"F", -1, its message). The
    limits are kept here, where the sample cannot switch them off: each output must arrive within
    its input's limit of the one before (a large one still arriving gets more time to arrive)."""
    buffer = bytearray()
    now = _time_module.monotonic()
    deadline = now + _STRICT_SETUP_SECONDS + (limits[0] if limits else 0)
    total_deadline = now + _STRICT_SETUP_SECONDS + min(60.0, sum(limits))
    arrived, done_at, serializing_left = 0, None, _SERIALIZING_BUDGET
    while True:
        progressed = False
        while True:
            if buffer[:1] == b"F":
                end = buffer.find(b"\n")
                if end < 0:
                    break
                yield b"F", -1, bytes(buffer[1:end])
                del buffer[:end + 1]
                continue
            if len(buffer) < 9:
                break
            kind, index, length = _struct.unpack("<cII", bytes(buffer[:9]))
            if kind not in _RECORD_KINDS:
                yield b"?", index, b""
                return
            if len(buffer) < 9 + length:
                break
            # The payload takes the buffer itself, without a copy: an output may be most of the
            # job's memory.
            rest = bytearray(buffer[9 + length:])
            del buffer[9 + length:]
            del buffer[:9]
            payload, buffer = buffer, rest
            now = _time_module.monotonic()
            if kind == b"D":
                done_at = now
                deadline = now + _SERIALIZE_SECONDS
                continue
            arrived, progressed = arrived + 1, True
            if done_at is not None:
                # Serializing and sending is not the sample's time (up to a bound for all outputs).
                allowance = min(now - done_at, serializing_left)
                serializing_left -= allowance
                total_deadline += allowance
                done_at = None
            yield kind, index, payload
            # Judging the output here is not the sample's time either. The child keeps each exact
            # limit with its own timer; this deadline is the backstop for a sample that stops it.
            after = _time_module.monotonic()
            total_deadline += after - now
            deadline = after + (limits[arrived] if arrived < len(limits) else 0) + _SEND_SECONDS
        now = _time_module.monotonic()
        if not progressed and buffer:
            deadline = max(deadline, now + 0.5)
        remaining = min(deadline, total_deadline) - now
        if remaining <= 0 or not _select.select([read_fd], [], [], remaining)[0]:
            return
        chunk = _os.read(read_fd, 1 << 20)
        if not chunk or len(buffer) > _LARGEST_OUTPUT:
            return
        buffer += chunk


def _strict_judge(code, name, calls, limits, compare):
    """Runs `name` of the sample's code on each (args, kwargs) of `calls` in a child process and
    passes each output, plain data only, to compare(i, output), which raises AssertionError on a
    wrong one. Raises AssertionError naming the first input that fails."""
    read_fd, write_fd = _os.pipe()
    pid = _posix.fork()
    if pid == 0:
        _os.close(read_fd)
        _strict_child(code, name, calls, limits, write_fd)
    _os.close(write_fd)
    done = 0
    try:
        for kind, index, payload in _strict_records(read_fd, limits):
            if kind == b"F":
                try:
                    message = payload.decode("unicode_escape")
                except UnicodeDecodeError:
                    message = "unreadable report"
                raise AssertionError(message.removeprefix("failed: "))
            if kind == b"X":
                raise AssertionError(payload.decode("utf-8", "replace"))
            if kind == b"?" or index != done:
                raise AssertionError("the sample's process sent an unreadable record")
            _strict_output(kind, payload, done, len(calls), compare)
            done += 1
            if done == len(calls):
                break
    finally:
        try:
            _posix.kill(pid, _signal_module.SIGKILL)
        except OSError:
            pass
        _os.waitpid(pid, 0)
    if done < len(calls):
        raise AssertionError("input %d of %d: no output in time (_Timeout: Timed out!), or the process ended" % (done + 1, len(calls)))


def _strict_output(kind, payload, i, count, compare):
    where = "input %d of %d: " % (i + 1, count)
    if kind == b"T":
        raise AssertionError(where + "_Timeout: Timed out!")
    if kind == b"E":
        raise AssertionError(where + payload.decode("utf-8", "replace"))
    if kind == b"N":
        raise AssertionError(where + "the output is not plain data (%s)" % payload.decode("utf-8", "replace"))
    try:
        out = _marshal.loads(payload)
    except BaseException:
        raise AssertionError(where + "the output could not be read") from None
    foreign = _strict_plain(out)
    if foreign is not None:
        raise AssertionError(where + "the output is not plain data (%s)" % foreign)
    try:
        compare(i, out)
    except BaseException as error:
        raise AssertionError(where + (_strict_message(error).decode() or "AssertionError")) from None


class _NoStdin:
    def read(self, *args, **kwargs): raise IOError("stdin is not readable")
    readline = readlines = read
    def readable(self, *args, **kwargs): return False


class _OutputSlot(_ast.NodeTransformer):
    """Replaces the one call to `name` in a test expression by the name the output is bound to."""

    def __init__(self, name):
        self.name, self.call = name, None

    def visit_Call(self, node):
        if isinstance(node.func, _ast.Name) and node.func.id == self.name:
            self.call = node
            return _ast.copy_location(_ast.Name(id="_codeloop_output", ctx=_ast.Load()), node)
        return self.generic_visit(node)


def _assert_cases(asserts, name, namespace):
    """Each assert statement as (args, kwargs) of its one call to `name`, evaluated here, and the
    test with the call replaced by the output; for an assert `name(...) == value`, also the value,
    whose exact types the output must have."""
    cases = []
    for source in asserts:
        tree = _ast.parse(source.strip())
        statements = tree.body
        if len(statements) != 1 or not isinstance(statements[0], _ast.Assert):
            raise AssertionError("the test %r is not one assert statement, so it cannot be judged strictly" % source.strip()[:80])
        test = statements[0].test
        calls = [node for node in _ast.walk(test) if isinstance(node, _ast.Call) and isinstance(node.func, _ast.Name) and node.func.id == name]
        if len(calls) != 1 or any(isinstance(argument, _ast.Starred) for argument in calls[0].args):
            raise AssertionError("the test %r does not call %s exactly once, so it cannot be judged strictly" % (source.strip()[:80], name))
        call = calls[0]

        def value(node):
            return eval(compile(_ast.Expression(node), "<test>", "eval"), namespace)
        args = [value(argument) for argument in call.args]
        kwargs = {keyword.arg: value(keyword.value) for keyword in call.keywords}
        expected = None
        if isinstance(test, _ast.Compare) and test.left is call and len(test.ops) == 1 and isinstance(test.ops[0], _ast.Eq):
            expected = (value(test.comparators[0]),)
        slot = _OutputSlot(name)
        rewritten = _ast.fix_missing_locations(_ast.Expression(slot.visit(test)))
        cases.append((args, kwargs, compile(rewritten, "<test>", "eval"), expected, source.strip()))
    return cases


def _check_asserts(test):
    """A human-eval test's setup (all but its check function) and the asserts of check(candidate),
    with the name it calls; an error if check holds anything else (loops, helpers): those tests
    are judged strictly only on evalplus's inputs."""
    tree = _ast.parse(test)
    checks = [node for node in tree.body if isinstance(node, _ast.FunctionDef) and node.name == "check"]
    if len(checks) != 1 or len(checks[0].args.args) != 1:
        raise AssertionError("the test has no check(candidate) function, so it cannot be judged strictly")
    body = [node for node in checks[0].body if not (isinstance(node, _ast.Expr) and isinstance(node.value, _ast.Constant))]
    if not body or not all(isinstance(node, _ast.Assert) for node in body):
        raise AssertionError("check() does more than assert, so it cannot be judged strictly")
    setup = _ast.unparse(_ast.Module(body=[node for node in tree.body if node is not checks[0]], type_ignores=[]))
    return setup, [_ast.unparse(node) for node in body], checks[0].args.args[0].arg


def _import_named_modules(asserts, namespace):
    """Modules the asserts name without importing them (MBPP's sys.getsizeof, math.pi): in the
    default judging the sample's own imports define them; here the test runs apart from the sample,
    so they are imported for it. Only names that are modules of the standard library or installed."""
    names = {node.id for source in asserts for node in _ast.walk(_ast.parse(source.strip())) if isinstance(node, _ast.Name)}
    for name in sorted(names - set(namespace) - set(dir(_builtins))):
        try:
            namespace[name] = __import__(name)
        except ImportError:
            pass


def _codeloop_strict_asserts(encoded_code, function_name, seconds):
    """Strict judging of assert statements that each call the function once: MBPP's tests (stdin
    {"setup", "asserts"}) or the asserts of a check(candidate) function (stdin {"test"}). The call's
    arguments are evaluated here, the sample's function runs on them in the child, and the assert
    is evaluated here with the output in the call's place; `f(...) == value` also needs value's
    exact types."""
    code = _base64.b64decode(encoded_code).decode("utf-8", "surrogateescape")
    spec = _json_module.loads(_sys_module.stdin.read())
    _sys_module.stdin = _NoStdin()
    if "test" in spec:
        setup, asserts, called_as = _check_asserts(spec["test"])
    else:
        setup, asserts, called_as = spec["setup"], spec["asserts"], function_name
    namespace = {}
    exec(setup, namespace)
    _import_named_modules(asserts, namespace)
    cases = _assert_cases(asserts, called_as, namespace)

    def compare(i, out):
        _, _, test, expected, source = cases[i]
        difference = None if expected is None else _strict_type_difference(out, expected[0])
        if difference is not None:
            raise AssertionError(difference)
        if not eval(test, dict(namespace, _codeloop_output=out)):
            raise AssertionError(source)

    _strict_judge(code + "\n" + setup, function_name, [(args, kwargs) for args, kwargs, _, _, _ in cases],
                  [seconds] * len(cases), compare)


def _codeloop_strict_apps(encoded_code, seconds):
    """Strict judging of one APPS call-based case (stdin {"name", "inputs", "output"}): APPS's
    comparison (testing_util.py) on the plain output, here."""
    code = _base64.b64decode(encoded_code).decode("utf-8", "surrogateescape")
    case = _json_module.loads(_sys_module.stdin.read())
    _sys_module.stdin = _NoStdin()

    def int_keys(value):
        # JSON has only string keys; APPS's dict arguments keyed by numbers get them back.
        if isinstance(value, dict) and value and all(isinstance(k, str) and k.lstrip("-").isdigit() for k in value):
            return {int(k): v for k, v in value.items()}
        return value

    def compare(i, output):
        expected = case["output"]
        if type(output) is tuple:
            output = list(output)
        matched = output == expected
        if type(expected) is list and expected:
            matched = matched or output == expected[0]
            if type(output) is list and output and type(output[0]) is tuple:
                matched = matched or [list(item) for item in output] == expected[0]
        if not matched:
            raise AssertionError("wrong answer")

    _strict_judge(code, case["name"], [([int_keys(argument) for argument in case["inputs"]], {})], [seconds], compare)
