#!/usr/bin/env python3
"""ggml block formats codeloop widens at load (Q4_1, Q5_0, Q5_1: llama.cpp's fallbacks in Q4_K_M
files whose rows are not whole 256-weight blocks), quantized and dequantized by the gguf package
(the library llama.cpp's converter is built on): Tests/ModelsTests/Fixtures/gguf/blocks.gguf and
blocks.json with the gguf package's dequantized values.

    L/bin/python scripts/make_block_fixtures.py   (L: a venv with gguf and numpy)
"""
import json
import os

import numpy as np
import gguf
from gguf.quants import dequantize, quantize

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "ModelsTests", "Fixtures", "gguf")


def main():
    rng = np.random.default_rng(7)
    writer = gguf.GGUFWriter(os.path.join(OUT, "blocks.gguf"), "llama")
    expected = {}
    for name in ("Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_0"):
        kind = getattr(gguf.GGMLQuantizationType, name)
        values = rng.normal(0, 1, size=(3, 64)).astype(np.float32)
        blocks = quantize(values, kind)
        writer.add_tensor(name.lower(), blocks, raw_shape=blocks.shape, raw_dtype=kind)
        expected[name.lower()] = [float(v) for v in dequantize(blocks, kind).reshape(-1)]
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(os.path.join(OUT, "blocks.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", ", ".join(expected))


if __name__ == "__main__":
    main()
