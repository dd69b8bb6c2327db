"""The examples a prompt states, run against the program before them (codeloop's example filter,
the Codex paper's section 3.4).

Sources/Evaluation/Judgement.swift appends this module's text and one call, _codeloop_examples, to
a program (the prompt and a completion, or the canonical solution): in check mode the program
passes when every example holds; in run mode (report=True) it prints which ones hold, as a JSON
list of booleans, so that examples the canonical solution contradicts can be set aside.
"""
import base64 as _b64
import json as _json


def _codeloop_example_holds(namespace, example):
    """An example is ["statement", code] or ["comparison", call, expected literal]."""
    if example[0] == "statement":
        exec(example[1], namespace)
        return True
    actual = eval(example[1], namespace)
    expected_text = example[2]
    # The answer is a literal, as a doctest prints it: equal as a value, or printed the same; a
    # tuple answers a list (JSON-born answers such as APPS's have no tuples).
    expected = eval(expected_text, {})
    return (actual == expected or repr(actual) == expected_text
            or (isinstance(actual, tuple) and isinstance(expected, list) and list(actual) == expected))


def _codeloop_examples(encoded_examples, report):
    examples = _json.loads(_b64.b64decode(encoded_examples).decode("utf-8"))
    namespace = globals()
    held = []
    for number, example in enumerate(examples, 1):
        try:
            holds = _codeloop_example_holds(namespace, example)
        except Exception as error:
            if not report:
                raise AssertionError("example %d raised %s: %s" % (number, type(error).__name__, error)) from None
            holds = False
        if not report and not holds:
            raise AssertionError("example %d does not hold: %s" % (number, example[1]))
        held.append(holds)
    if report:
        print(_json.dumps(held))
