#!/usr/bin/env python3
"""How Tests/Corpus/digits-mlp was made: a small model with a realistic fine-tune version series.

digits-mlp is scikit-learn's MLPClassifier(256, 128) (relu, adam, batch 64, lr 1e-3) on sklearn's bundled
8x8 digits (X/16 as float32; train_test_split(test_size=0.25, random_state=0, stratify=y)):
  v1  trained from scratch for 15 epochs (seed 0);
  v2  v1 trained 10 more epochs over all layers (warm_start): every weight changes;
  v3  v1 with only the output layer refitted (300 full-batch softmax-regression steps on v1's frozen
      hidden features): the hidden layers are bit-identical to v1, which the delta tests rely on.
Exported with skl2onnx (zipmap off: outputs `label` int64[N], `probabilities` float32[N,10]).

The files are committed (they are small, and training is only reproducible bit for bit with the same
scikit-learn build); this script re-creates the series when the tests need a new one.
Needs: numpy, scikit-learn, skl2onnx, onnxruntime.   Usage: make_digits_mlp.py OUT_DIR
"""
import copy
import json
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

SEED, V1_EPOCHS, V2_EXTRA_EPOCHS, V3_STEPS, V3_RATE = 0, 15, 10, 300, 0.5


def refit_output_layer(model, features, labels):
    """Full-batch gradient descent on the output layer alone, the hidden layers frozen."""
    hidden = features.astype(np.float64)
    for weights, bias in zip(model.coefs_[:-1], model.intercepts_[:-1]):
        hidden = np.maximum(hidden @ weights + bias, 0.0)
    targets = np.eye(10)[labels]
    weights = model.coefs_[-1].astype(np.float64).copy()
    bias = model.intercepts_[-1].astype(np.float64).copy()
    for _ in range(V3_STEPS):
        logits = hidden @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        gradient = (probabilities - targets) / len(hidden)
        weights -= V3_RATE * (hidden.T @ gradient + 1e-4 * weights)
        bias -= V3_RATE * gradient.sum(axis=0)
    model.coefs_[-1] = weights.astype(model.coefs_[-1].dtype)
    model.intercepts_[-1] = bias.astype(model.intercepts_[-1].dtype)


def main(out):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    import onnxruntime as ort

    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=SEED, stratify=y)

    classifier = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam", learning_rate_init=1e-3,
                               batch_size=64, max_iter=V1_EPOCHS, random_state=SEED, warm_start=True)
    classifier.fit(x_train, y_train)
    v1 = copy.deepcopy(classifier)
    classifier.set_params(max_iter=V2_EXTRA_EPOCHS)
    classifier.fit(x_train, y_train)
    v2 = copy.deepcopy(classifier)
    v3 = copy.deepcopy(v1)
    refit_output_layer(v3, x_train, y_train)

    accuracy = {}
    for name, model in (("v1", v1), ("v2", v2), ("v3", v3)):
        exported = convert_sklearn(model, name=f"digits_mlp_{name}", initial_types=[("input", FloatTensorType([None, 64]))],
                                   options={id(model): {"zipmap": False}})
        path = os.path.join(out, f"{name}.onnx")
        with open(path, "wb") as f:
            f.write(exported.SerializeToString())
        labels, _ = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x_test})
        accuracy[name] = {"sklearn_test_accuracy": round(float((model.predict(x_test) == y_test).mean()), 4),
                          "onnxruntime_test_accuracy": round(float((labels == y_test).mean()), 4)}
    np.save(os.path.join(out, "X_test.npy"), x_test)
    np.save(os.path.join(out, "y_test.npy"), y_test)
    with open(os.path.join(out, "accuracy.json"), "w") as f:
        json.dump({"n_test": int(len(x_test)), "versions": accuracy}, f, indent=2)
    print(json.dumps(accuracy, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
