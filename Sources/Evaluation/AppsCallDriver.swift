import Foundation

/// The programs that judge APPS call-based problems in the sandbox: a header of the imports APPS
/// solutions assume (testing_util.py puts such a header before every program), the sample's
/// program, then Resources/apps_call.py and one call.
enum AppsCallDriver {
    /// Resources/apps_call.py, read once.
    static let module = PythonResource("apps_call.py").text

    /// What APPS solutions use without importing it.
    static let header = """
        import sys, time, math, random, heapq, bisect, string, itertools, collections, functools, fractions
        from itertools import accumulate, product, permutations, combinations
        from collections import Counter, OrderedDict, deque, defaultdict, ChainMap
        from functools import lru_cache, reduce
        from math import sqrt, sin, cos, tan, ceil, fabs, floor, gcd, exp, log, log2
        from heapq import heappush, heappop, heapify
        from typing import List, Tuple, Dict, Optional

        """

    /// The sample's program with `name` bound at module level (a Solution method included).
    static func code(program: String, functionName: String) -> String {
        header + program + "\n" + module + "\n_codeloop_apps_bind(\(PythonJSON.string(functionName)))\n"
    }

    /// Check mode; stdin is `stdin(for:)` of a case.
    static func checkProgram(program: String, functionName: String) -> String {
        code(program: program, functionName: functionName) + "_codeloop_apps_case()\n"
    }

    static func stdin(for testCase: IOCase, functionName: String) -> String {
        "{\"name\": \(PythonJSON.string(functionName)), \"inputs\": \(testCase.input), \"output\": \(testCase.output)}"
    }
}
