import Foundation
import Testing

/// Codex-S's pairs from `corpus functions`: a prompt shaped like HumanEval's.
@Suite struct FunctionPairsCLITests {
    /// A prompt carries only the module's imports that its function reads (in its code, its string
    /// annotations and its docstring's examples), as HumanEval's carry `from typing import List`.
    @Test func promptsImportOnlyWhatTheFunctionUses() throws {
        let directory = scratchDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/src", withIntermediateDirectories: true)
        try #"""
        from __future__ import annotations
        import math, os
        import os.path
        import numpy as np
        from typing import List, Dict, Optional as Opt
        from .base import SCALE, other


        def scaled_sum(xs: List[int], weights: "Opt[Dict[str, int]]" = None) -> float:
            """Sum, scaled.

            >>> scaled_sum([np.int64(1)])
            1.0
            """
            return math.fsum(xs) * SCALE


        def increment(p):
            """No imports used."""
            return p + 1
        """#.write(toFile: directory + "/src/module.py", atomically: true, encoding: .utf8)
        let out = directory + "/pairs.jsonl"
        let (status, stdout, stderr) = try codeloop(["corpus", "functions", directory + "/src", "--out", out])
        #expect(status == 0 && stdout.contains("2 functions"), "\(stdout)\(stderr)")
        let prompts = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["prompt"] as! String
        }
        #expect(prompts == [
            """
            from __future__ import annotations
            import math
            import numpy as np
            from typing import List, Dict, Optional as Opt
            from .base import SCALE


            def scaled_sum(xs: List[int], weights: "Opt[Dict[str, int]]" = None) -> float:
                \"\"\"Sum, scaled.

                >>> scaled_sum([np.int64(1)])
                1.0
                \"\"\"

            """,
            "from __future__ import annotations\n\n\ndef increment(p):\n    \"\"\"No imports used.\"\"\"\n",
        ])
    }
}
