#!/usr/bin/env python3
"""Writes onnxruntime reference data for test models, in the ONNX backend-test layout:

    OUT/<name>/model.onnx                      a copy of the model
    OUT/<name>/test_data_set_0/input_N.pb      seeded inputs (serialized TensorProto)
    OUT/<name>/test_data_set_0/output_N.pb     onnxruntime's outputs (CPU, 1 thread)

An engine is correct on a model when every output matches within rtol 1e-3 / atol 1e-4 (integer
outputs exactly). Inputs are drawn from one seeded generator per model, so every run writes the same
inputs; dynamic dimensions take the sizes below (detectors at 320x320 to keep tests quick).

Usage: make_reference.py OUT MODELS_DIR NAME.onnx [NAME.onnx ...]   (NAME relative to MODELS_DIR)
"""
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

SEED = 20261126

# (substring of the model path, input name) -> shape for inputs with dynamic dimensions. First match wins;
# any other dynamic dimension becomes 1.
SHAPE_RULES = [
    ("_det_", "x", [1, 3, 320, 320]),   # PP-OCR text detection
    ("_rec_", "x", [1, 3, 48, 320]),    # PP-OCR text recognition
    ("_cls_", "x", [1, 3, 48, 192]),    # PP-OCR text-direction classifier
    ("silero", "input", [1, 512]),      # Silero VAD: 512 samples (32 ms at 16 kHz)
]
FIXED_SCALARS = {"sr": 16000}           # Silero's sample rate must be 8000 or 16000

ONNX_TO_NUMPY = {
    onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.FLOAT16: np.float16,
    onnx.TensorProto.DOUBLE: np.float64, onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32, onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.BOOL: np.bool_,
}


def input_shape(path, value):
    for fragment, name, shape in SHAPE_RULES:
        if fragment in path and name == value.name:
            return shape
    dims = value.type.tensor_type.shape.dim
    return [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in dims]


def make_input(path, value, rng):
    dtype = ONNX_TO_NUMPY[value.type.tensor_type.elem_type]
    shape = input_shape(path, value)
    if value.name in FIXED_SCALARS:
        return np.array(FIXED_SCALARS[value.name], dtype=dtype).reshape(shape)
    if "magika" in path or np.issubdtype(dtype, np.integer):   # byte values (magika reads file bytes)
        return rng.integers(0, 256, size=shape).astype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(dtype)
    if "silero" in path and value.name in ("state", "h", "c"):
        return np.zeros(shape, dtype=dtype)                     # a recurrent state starts at zero
    return rng.standard_normal(size=shape).astype(dtype) * (0.1 if "silero" in path else 1.0)


def write_reference(out, models, relative):
    source = os.path.join(models, relative)
    final = os.path.join(out, relative[:-len(".onnx")])
    folder = final + ".partial"  # renamed into place once complete: an interrupted run leaves no half folder
    shutil.rmtree(folder, ignore_errors=True)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data)
    shutil.copyfile(source, os.path.join(folder, "model.onnx"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    model = onnx.load(source, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(SEED)
    feeds = {}
    for index, value in enumerate(v for v in model.graph.input if v.name not in initializers):
        feeds[value.name] = make_input(source, value, rng)
        with open(os.path.join(data, f"input_{index}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(feeds[value.name], value.name).SerializeToString())
    for index, (meta, array) in enumerate(zip(session.get_outputs(), session.run(None, feeds))):
        with open(os.path.join(data, f"output_{index}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(array), meta.name).SerializeToString())
    shutil.rmtree(final, ignore_errors=True)
    os.replace(folder, final)
    print(f"  reference {relative[:-len('.onnx')]}: inputs {[list(a.shape) for a in feeds.values()]}")


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    for name in sys.argv[3:]:
        write_reference(sys.argv[1], sys.argv[2], name)
