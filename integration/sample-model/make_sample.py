#!/usr/bin/env python3
"""Makes the quickstart's sample model: a small MLP classifier in two versions.

v1.onnx: 64 inputs -> 256 -> 128 -> 10 (ReLU, softmax), weights from a fixed seed.
v2.onnx: v1 with only the output layer (128x10 weights and 10 biases) changed, like a head refit.
So a device holding v1 needs only the output layer's chunks to get v2.
input_0.pb: one input (TensorProto x [1, 64]) for self-test vectors and the inference demo.

    pip install onnx numpy && python3 integration/sample-model/make_sample.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def model(weights):
    inits = [numpy_helper.from_array(w.astype(np.float32), name) for name, w in weights.items()]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["a1"]),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["h2"]),
        helper.make_node("Relu", ["h2"], ["a2"]),
        helper.make_node("Gemm", ["a2", "w3", "b3"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "sample-mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    m = helper.make_model(graph, producer_name="modelfleet-sample", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    rng = np.random.default_rng(2026)
    weights = {
        "w1": rng.normal(0, 0.1, (64, 256)), "b1": np.zeros(256),
        "w2": rng.normal(0, 0.1, (256, 128)), "b2": np.zeros(128),
        "w3": rng.normal(0, 0.1, (128, 10)), "b3": np.zeros(10),
    }
    onnx.save(model(weights), os.path.join(HERE, "v1.onnx"))
    weights["w3"] = rng.normal(0, 0.1, (128, 10))
    weights["b3"] = rng.normal(0, 0.01, 10)
    onnx.save(model(weights), os.path.join(HERE, "v2.onnx"))
    # One input for the self-test vectors and the inference demo in the quickstart.
    sample = np.random.default_rng(7).random((1, 64), dtype=np.float32)
    with open(os.path.join(HERE, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(sample, "x").SerializeToString())
    for name in ("v1.onnx", "v2.onnx"):
        print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")


if __name__ == "__main__":
    main()
