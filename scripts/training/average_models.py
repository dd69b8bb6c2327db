#!/usr/bin/env python3
"""A model soup (Wortsman et al. 2022, "Model soups"): the element-wise mean of the weights of models
fine-tuned from one pretrained model, written as a model directory like its first input.

    python3 scripts/training/average_models.py MODEL_DIR MODEL_DIR [...] --out DIR [--weights 0.5,0.5]

Each MODEL_DIR is an HF directory (config.json, tokenizer.json, model.safetensors) with the same
tensors; the mean is taken in float32 and stored in each tensor's own dtype. Numpy only: the
safetensors format (https://github.com/huggingface/safetensors#format) is an 8-byte little-endian
header length, a JSON header of dtype, shape and byte offsets, then the raw arrays.
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F16": "<f2"}  # safetensors stores little-endian
NAMES = {np.dtype(dtype): name for name, dtype in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    metadata = header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name}: dtype {info['dtype']} is not supported (F32, F16)")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, array in tensors.items():
        header[name] = {"dtype": NAMES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the format pads the header so that arrays start aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for array in tensors.values():
            f.write(array.tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="model directories fine-tuned from one pretrained model")
    parser.add_argument("--out", required=True, help="directory to write the averaged model to")
    parser.add_argument("--weights", help="comma-separated weights, one per model (default: equal)")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")] if args.weights else [1.0] * len(args.models)
    if len(weights) != len(args.models):
        raise SystemExit(f"--weights: {len(weights)} weights for {len(args.models)} models")
    weights = [w / sum(weights) for w in weights]
    loaded = [read_safetensors(os.path.join(m, "model.safetensors")) for m in args.models]
    first, metadata = loaded[0]
    for model, (tensors, _) in zip(args.models[1:], loaded[1:]):
        if tensors.keys() != first.keys() or any(tensors[k].shape != first[k].shape for k in first):
            raise SystemExit(f"{model}: its tensors differ from {args.models[0]}'s in name or shape")
    averaged = {name: sum(w * tensors[name].astype(np.float32) for w, (tensors, _) in zip(weights, loaded)).astype(array.dtype)
                for name, array in first.items()}
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.models[0]):
        if name != "model.safetensors" and os.path.isfile(os.path.join(args.models[0], name)):
            shutil.copy(os.path.join(args.models[0], name), args.out)
    write_safetensors(os.path.join(args.out, "model.safetensors"), averaged, metadata)
    print(f"{len(averaged)} tensors, mean of {len(args.models)} models (weights {', '.join(f'{w:.3f}' for w in weights)}) → {args.out}")


if __name__ == "__main__":
    main()
