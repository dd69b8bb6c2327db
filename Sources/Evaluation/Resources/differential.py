"""evalplus's differential tests, run in codeloop's sandbox, after evalplus 0.3.1 (evalplus/evaluate.py
get_groundtruth, evalplus/eval/__init__.py unsafe_execute and untrusted_check,
evalplus/eval/_special_oracle.py, evalplus/data/mbpp.py).

Sources/Evaluation/DifferentialDriver.swift appends one call to this module's text: _reference_main
(run mode, stdin = the task's evalplus record) or _codeloop_differential (check mode, stdin = a line
{"suite", "limits", "expected", "recompute"} then the record).
"""
import base64 as _b64
import contextlib as _contextlib
import copy as _copy
import gc as _gc
import io as _io
import json as _json
import math as _math
import pickle as _pickle
import signal as _signal
import sys as _sys
import time as _time

_MBPP_OUTPUT_NOT_NONE_TASKS = ["check_str", "text_match_three", "text_starta_endb"]


def _inputs_of(record, suite, dataset):
    """A suite's inputs, with MBPP's types restored."""
    value = record[suite + "_input"]
    if isinstance(value, str):
        value = _json.loads(value)
    return mbpp_deserialize_inputs(record["task_id"], value) if dataset == "mbpp" else value


def _canonical_outputs(record, inputs, dataset):
    """The canonical solution's outputs on a deep copy of each input, timed call by call
    (evalplus/gen/util trusted_exec)."""
    namespace = {}
    with _contextlib.redirect_stdout(_io.StringIO()):
        exec(record["prompt"] + record["canonical_solution"], namespace)
        function = namespace[record["entry_point"]]
        outputs, seconds = [], []
        for given in inputs:
            given = _copy.deepcopy(given)
            start = _time.time()
            outputs.append(function(*given))
            seconds.append(_time.time() - start)
    if dataset == "mbpp" and record["entry_point"] in _MBPP_OUTPUT_NOT_NONE_TASKS:
        outputs = [value is not None for value in outputs]
    return outputs, seconds


def mbpp_deserialize_inputs(task_id, inputs):
    """evalplus/data/mbpp.py: JSON has no tuples, sets or complex numbers, so these MBPP+ tasks'
    inputs are converted back to the types their functions take."""
    task_id = int(task_id.split("/")[-1])
    if task_id in [2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809]:
        return [[tuple(lst) for lst in inp] for inp in inputs]
    if task_id in [63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780]:
        return [[[tuple(lst) for lst in lst_lst] for lst_lst in inp] for inp in inputs]
    if task_id in [75, 413, 444, 753]:
        return [[[tuple(lst) for lst in inp[0]]] + [inp[1]] for inp in inputs]
    if task_id == 106 or task_id == 750:
        return [[inp[0]] + [tuple(inp[1])] for inp in inputs]
    if task_id == 115:
        return [[[set(item) if isinstance(item, list) and len(item) else {} for item in inp[0]]] for inp in inputs]
    if task_id == 124:
        return [(float(inp[0]), complex(inp[1])) for inp in inputs]
    if task_id in [250, 405, 446, 617, 720, 763, 808]:
        return [[tuple(inp[0])] + [inp[1]] for inp in inputs]
    if task_id in [259, 401, 445]:
        modified = [[[tuple(lst) for lst in lst_lst] for lst_lst in inp] for inp in inputs]
        return [[tuple(lst) for lst in inp] for inp in modified]
    if task_id == 278:
        modified = [[[tuple(item) if isinstance(item, list) else item for item in inp[0]]] for inp in inputs]
        return [[tuple(lst) for lst in inp] for inp in modified]
    if task_id == 307:
        return [[tuple(inp[0])] + [inp[1], inp[2]] for inp in inputs]
    if task_id == 722:
        return [[{key: tuple(value) for key, value in inp[0].items()}] + inp[1:] for inp in inputs]
    if task_id == 252:
        return [[complex(inp[0])] for inp in inputs]
    if task_id in [580, 615, 791]:
        def turn_all_list_into_tuple(inp):
            if isinstance(inp, list):
                return tuple([turn_all_list_into_tuple(item) for item in inp])
            return inp
        return [turn_all_list_into_tuple(inp) for inp in inputs]
    return inputs


# evalplus's time budget: each input gets max(1 s, 4 x the canonical solution's time).
_MINIMUM_SECONDS_PER_INPUT = 1.0
_REFERENCE_TIME_FACTOR = 4.0


# An expected output larger than this, pickled, is computed again in each check job rather than
# shipped to it: a few HumanEval+ inputs return strings and lists of megabytes, which cost more
# to pass through the sandbox than to recompute.
_LARGEST_SHIPPED_OUTPUT = 1 << 16


def _reference_main(dataset):
    """Per suite: the time limit of every input, how long the canonical solution took, and its
    outputs (pickled, base64; the indices and time of those too large to ship are listed
    instead), as one JSON line that codeloop caches as evalplus caches its ground truth."""
    record = _json.loads(_sys.stdin.read())
    report = {}
    for suite in ("base", "plus"):
        outputs, seconds = _canonical_outputs(record, _inputs_of(record, suite, dataset), dataset)
        recompute = [i for i, value in enumerate(outputs) if len(_pickle.dumps(value)) > _LARGEST_SHIPPED_OUTPUT]
        for i in recompute:
            outputs[i] = None
        report[suite] = {"limits": [max(_MINIMUM_SECONDS_PER_INPUT, _REFERENCE_TIME_FACTOR * t) for t in seconds],
                         "seconds": sum(seconds),
                         "expected": _b64.b64encode(_pickle.dumps(outputs)).decode("ascii"),
                         "recompute": recompute,
                         "recompute_seconds": sum(seconds[i] for i in recompute)}
    _sys.stdout.write(_json.dumps(report) + "\n")


class _NoInput:
    # evalplus swallows stdin: reading it is an error.
    def read(self, *args, **kwargs): raise IOError("stdin is not readable")
    readline = readlines = read
    def readable(self, *args, **kwargs): return False


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout("Timed out!")


def _poly(xs, x):
    return sum([coeff * _math.pow(x, i) for i, coeff in enumerate(xs)])


def _surface_Area(base_edge, height):
    slant_height = _math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 4 * (base_edge * slant_height) / 2)


def _digit_distance_nums(num1, num2):
    a, b = str(num1), str(num2)
    width = max(len(a), len(b))
    return sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width)))


_MBPP_OUTPUT_SET_EQ_TASKS = ["similar_elements", "find_char_long", "common_in_nested_lists",
                             "extract_singly", "larg_nnum", "intersection_array", "find_dissimilar", "Diff"]


def _is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def _allclose(a, b, atol, rtol=1e-07):
    # numpy.allclose on numbers and (nested) sequences of numbers, without numpy.
    if isinstance(a, str) or isinstance(b, str):
        raise TypeError("cannot compare strings with a tolerance")
    a_seq, b_seq = isinstance(a, (list, tuple)), isinstance(b, (list, tuple))
    if a_seq or b_seq:
        a_items = list(a) if a_seq else [a] * len(b)
        b_items = list(b) if b_seq else [b] * len(a)
        if len(a_items) != len(b_items) and min(len(a_items), len(b_items)) != 1:
            raise ValueError("shapes do not match")
        if len(a_items) == 1:
            a_items = a_items * len(b_items)
        if len(b_items) == 1:
            b_items = b_items * len(a_items)
        return all(_allclose(x, y, atol, rtol) for x, y in zip(a_items, b_items))
    x, y = complex(a), complex(b)
    if _math.isinf(abs(x)) or _math.isinf(abs(y)):
        return x == y
    if x != x or y != y:
        return False
    return abs(x - y) <= atol + rtol * abs(y)


def _check_job(encoded_code, dataset):
    """A check job's completion (base64 of its UTF-8, surrogate escapes kept), its stdin's header
    and record, the suite's inputs and the canonical solution's outputs on them (the header's,
    from _reference_main, with those too large to ship computed again here)."""
    code = _b64.b64decode(encoded_code).decode("utf-8", "surrogateescape")
    header = _json.loads(_sys.stdin.readline())
    record = _json.loads(_sys.stdin.read())
    _sys.stdin = _NoInput()
    inputs = _inputs_of(record, header["suite"], dataset)
    expected = _pickle.loads(_b64.b64decode(header["expected"]))
    if header["recompute"]:
        again, _ = _canonical_outputs(record, [inputs[i] for i in header["recompute"]], dataset)
        for i, value in zip(header["recompute"], again):
            expected[i] = value
    return code, header, record, inputs, expected


def _codeloop_differential(encoded_code, entry_point, dataset):
    """Runs the completion's function (base64 of its UTF-8, surrogate escapes kept) on each input
    under its time limit and compares with the canonical solution's outputs (the header's, from
    _reference_main) as evalplus does; the first mismatch fails."""
    code, header, record, inputs, expected = _check_job(encoded_code, dataset)
    # Megabytes of expected outputs would otherwise be walked by every full collection during the
    # completion's calls, and charged to its time limits.
    _gc.freeze()
    limits, atol = header["limits"], float(record["atol"])
    del record
    namespace = {}
    exec(code, namespace)
    fn = namespace[entry_point]
    _signal.signal(_signal.SIGALRM, _on_alarm)
    for i, inp in enumerate(inputs):
        try:
            _signal.setitimer(_signal.ITIMER_REAL, limits[i])
            try:
                out = fn(*inp)
            finally:
                _signal.setitimer(_signal.ITIMER_REAL, 0)
            atol = _evalplus_match(out, expected[i], inp, entry_point, dataset, atol)
        except BaseException as error:
            detail = (type(error).__name__ + ": " + str(error)) if str(error) else type(error).__name__
            raise AssertionError("input %d of %d: %s" % (i + 1, len(inputs), detail)) from None


def _evalplus_match(out, exp, inp, entry_point, dataset, atol):
    """evalplus's comparison of one output (evalplus/eval/__init__.py unsafe_execute): raises
    AssertionError on a mismatch; returns the tolerance for the next inputs (a float output makes
    a zero atol 1e-6 from then on, as evalplus's loop does)."""
    exact_match = out == exp
    if dataset == "mbpp":
        if "are_equivalent" == entry_point:
            exact_match = exact_match or True
        elif "sum_div" == entry_point:
            exact_match = exact_match or out == 0
        elif "surface_Area" == entry_point:
            exact_match = exact_match or abs(out - _surface_Area(*inp)) <= atol
        elif "digit_distance_nums" == entry_point:
            exact_match = exact_match or out == _digit_distance_nums(*inp)
        elif entry_point in _MBPP_OUTPUT_SET_EQ_TASKS:
            exact_match = set(out) == set(exp)
        elif entry_point in _MBPP_OUTPUT_NOT_NONE_TASKS:
            if isinstance(out, bool):
                exact_match = out == exp
            else:
                exact_match = exp == (out is not None)
    if dataset == "humaneval" and "find_zero" == entry_point:
        assert abs(_poly(*inp, out)) <= atol
        return atol
    if atol == 0 and _is_floats(exp):
        atol = 1e-6
    if not exact_match and atol != 0:
        assert type(out) == type(exp)
        if isinstance(exp, (list, tuple)):
            assert len(out) == len(exp)
        assert _allclose(out, exp, atol)
    else:
        assert exact_match
    return atol


# MARK: - Strict judging on evalplus's inputs (the machinery is strict.py's, put before this module)


def _codeloop_strict(encoded_code, entry_point, dataset):
    """Strict judging of evalplus's suite: the header and record of _codeloop_differential; each
    output, sent as plain data by a process that cannot reach this one, must have exactly the
    canonical output's types (except where evalplus's oracle accepts others) and match it by
    evalplus's rules."""
    code, header, record, inputs, expected = _check_job(encoded_code, dataset)
    limits, tolerance = header["limits"], [float(record["atol"])]
    del record

    def compare(i, out):
        exp = expected[i]
        difference = None if entry_point in _ORACLE_ENTRY_POINTS else _strict_type_difference(out, exp)  # noqa: F821
        if difference is not None:
            raise AssertionError(difference)
        tolerance[0] = _evalplus_match(out, exp, inputs[i], entry_point, dataset, tolerance[0])

    _strict_judge(code, entry_point, [(given, {}) for given in inputs], limits, compare)  # noqa: F821


# Tasks whose evalplus oracle accepts more than one type (a root of find_zero's polynomial, any
# iterable with the right elements, anything not None): their outputs need only be plain data.
_ORACLE_ENTRY_POINTS = {"find_zero", "are_equivalent", "sum_div", "surface_Area", "digit_distance_nums"} | set(
    _MBPP_OUTPUT_SET_EQ_TASKS + _MBPP_OUTPUT_NOT_NONE_TASKS)
