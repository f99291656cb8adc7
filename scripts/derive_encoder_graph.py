#!/usr/bin/env python3
"""Derives the graph the worker runs from the sentence encoder's installed int8 ONNX file.

The packaged graph stores int8 weights that are cast and scaled to float32 before each MatMul and
Gather. onnxruntime folds those constants at load, so the worker held ~90 MB of float32 weights
plus their pre-packed copies (about 200 MB resident for a 23 MB model). This rewrites each weight's
use so it stays int8 in memory, with the same weights and scales:
  - MatMul(x, cast(Wq) * s)  ->  DynamicQuantizeLinear(x), MatMulInteger(xq, Wq, xzp) * (xs * s)
    (onnxruntime fuses this into one DynamicQuantizeMatMul kernel);
  - Gather(cast(Eq) * s, ids) ->  cast(Gather(Eq, ids)) * Gather(s, ids)  (exact: only the rows used).
Deterministic for a given onnx version (pinned by scripts/stack/install.ts); the result is checked against
the sha256 in the lock file. Idempotent: a target already holding that hash is left alone.

usage: derive_encoder_graph.py LOCK_FILE ENCODER_DIR
"""
import json
import os
import sys
import tempfile

import onnx
from onnx import TensorProto, helper

from install_weights import sha256_of


def keep_weights_int8(model):
    graph = model.graph
    initializers = {tensor.name for tensor in graph.initializer}
    users = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)

    replaced, added = [], []
    casts = [node for node in graph.node if node.op_type == "Cast" and node.input[0] in initializers]
    for cast in casts:
        quantized = cast.input[0]
        (scale_mul,) = users[cast.output[0]]
        scale = next(name for name in scale_mul.input if name != cast.output[0])
        weight = scale_mul.output[0]
        for use in users[weight]:
            out = use.output[0]
            if use.op_type == "Gather" and use.input[0] == weight:
                rows = use.input[1]
                added += [
                    helper.make_node("Gather", [quantized, rows], [out + "_q"], axis=0),
                    helper.make_node("Gather", [scale, rows], [out + "_scale"], axis=0),
                    helper.make_node("Cast", [out + "_q"], [out + "_f"], to=TensorProto.FLOAT),
                    helper.make_node("Mul", [out + "_f", out + "_scale"], [out]),
                ]
            elif use.op_type == "MatMul" and use.input[1] == weight:
                x = use.input[0]
                added += [
                    helper.make_node("DynamicQuantizeLinear", [x], [out + "_xq", out + "_xscale", out + "_xzero"]),
                    helper.make_node("MatMulInteger", [out + "_xq", quantized, out + "_xzero"], [out + "_int"]),
                    helper.make_node("Cast", [out + "_int"], [out + "_f"], to=TensorProto.FLOAT),
                    helper.make_node("Mul", [out + "_xscale", scale], [out + "_scale"]),
                    helper.make_node("Mul", [out + "_f", out + "_scale"], [out]),
                ]
            else:
                sys.exit(f"{weight} is used by a {use.op_type}; only MatMul and Gather are rewritten")
            replaced.append(use)
        replaced += [cast, scale_mul]

    gone = {id(node) for node in replaced}
    nodes = [node for node in graph.node if id(node) not in gone] + added
    del graph.node[:]
    graph.node.extend(topologically_sorted(nodes, {i.name for i in graph.input} | initializers))


def topologically_sorted(nodes, available):
    ordered, pending = [], nodes
    while pending:
        ready = [node for node in pending if all(name == "" or name in available for name in node.input)]
        if not ready:
            sys.exit("the rewritten graph has a cycle")
        for node in ready:
            available.update(node.output)
        ordered += ready
        done = {id(node) for node in ready}
        pending = [node for node in pending if id(node) not in done]
    return ordered


def main():
    lock_file, encoder_dir = sys.argv[1], sys.argv[2]
    with open(lock_file) as handle:
        runtime = json.load(handle)["runtimeGraph"]
    target = os.path.join(encoder_dir, runtime["file"])
    if os.path.exists(target) and sha256_of(target) == runtime["sha256"]:
        return
    model = onnx.load(os.path.join(encoder_dir, runtime["from"]))
    keep_weights_int8(model)
    onnx.checker.check_model(model)
    with tempfile.NamedTemporaryFile(dir=encoder_dir, prefix=".partial-", delete=False) as out:
        out.write(model.SerializeToString())
    actual = sha256_of(out.name)
    if actual != runtime["sha256"]:
        os.unlink(out.name)
        sys.exit(f"{runtime['file']}: sha256 {actual}, expected {runtime['sha256']} (onnx {onnx.__version__})")
    os.chmod(out.name, 0o644)
    os.replace(out.name, target)


if __name__ == "__main__":
    main()
