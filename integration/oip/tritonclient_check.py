#!/usr/bin/env python3
"""The Open Inference Protocol on the agent, called by a client nobody here wrote: `tritonclient[http]` (PyPI).

Starts a registry from --bin, pushes the sample model (integration/sample-model/v1.onnx), lets a real agent enroll
and install it, starts the agent's local API, then with tritonclient.http:
 1. server live and ready, model ready; a wrong version is not;
 2. model metadata: platform onnx, the input and output with datatype FP32 and their shapes;
 3. an inference with JSON tensors (binary_data=False both ways), outputs compared with onnxruntime on the same
    file and input;
 4. an inference with the binary tensor data extension both ways (Inference-Header-Content-Length), compared
    the same way, on a keep-alive connection (10 requests in a row);
 5. an unknown model and a wrong input shape fail with the agent's reason in the exception.
The last line sums it up. tritonclient, onnxruntime and numpy (pinned) go to a venv in /tmp (OIP_VENV overrides).
Usage: integration/oip/tritonclient_check.py [--bin DIR]
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PACKAGES = ["tritonclient[http]==2.73.0", "onnxruntime==1.32.0", "numpy==2.4.6"]
VENV = os.environ.get("OIP_VENV", os.path.join(tempfile.gettempdir(), "modelfleet-oip-venv"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(ROOT, "integration", "bench"))
    import common
    common.run_in_venv(VENV, PACKAGES, __file__)
    import numpy as np
    import onnxruntime
    import tritonclient.http as http
    from tritonclient.utils import InferenceServerException

    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="modelfleet-oip-")
    model_file = os.path.join(ROOT, "integration", "sample-model", "v1.onnx")
    registry, url, admin, enroll = common.start_registry(os.path.join(args.bin, "modelfleet-registry"), os.path.join(work, "registry"))
    agent = None
    try:
        def run(*command):
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"{' '.join(command)}: {done.stdout}{done.stderr}"
            return done.stdout
        fleetctl = lambda *a: run(os.path.join(args.bin, "fleetctl"), *a, "--registry", url, "--token", admin)
        key = os.path.join(work, "publisher.key")
        run(os.path.join(args.bin, "fleetctl"), "keys", "generate", "--out", key)
        fleetctl("keys", "register", os.path.join(work, "publisher.pub"))
        fleetctl("push", model_file, "--model", "sample", "--version", "1.0.0", "--key", key)
        fleetctl("assign", "sample")
        agent_args = [os.path.join(args.bin, "modelfleet-agent"), "daemon", "--data-dir", os.path.join(work, "device"), "--registry", url,
                      "--enroll-token", enroll, "--trust", os.path.join(work, "publisher.pub")]
        for _ in range(2):  # enroll and check in, then sync and install
            run(*agent_args, "--once")
        port = common.free_port()
        agent = subprocess.Popen(agent_args + ["--listen", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = http.InferenceServerClient(url=f"127.0.0.1:{port}")
        for _ in range(100):
            try:
                if client.is_server_live():
                    break
            except Exception:
                pass
            time.sleep(0.1)
        assert client.is_server_live() and client.is_server_ready(), "the agent's OIP server is not live and ready"
        assert client.is_model_ready("sample") and client.is_model_ready("sample", "1.0.0"), "sample 1.0.0 is not ready"
        assert not client.is_model_ready("sample", "9.9.9"), "a version the agent does not serve reads as ready"
        print("ok 1  server live and ready; model sample ready at 1.0.0, not at 9.9.9")

        metadata = client.get_model_metadata("sample")
        reference = onnxruntime.InferenceSession(model_file)
        declared = [(i.name, list(i.shape)) for i in reference.get_inputs()]
        assert metadata["platform"] == "onnx" and metadata["versions"] == ["1.0.0"], metadata
        assert [(i["name"], [int(d) for d in i["shape"]]) for i in metadata["inputs"]] == declared, (metadata["inputs"], declared)
        assert [o["name"] for o in metadata["outputs"]] == [o.name for o in reference.get_outputs()], metadata["outputs"]
        assert all(t["datatype"] == "FP32" for t in metadata["inputs"] + metadata["outputs"]), metadata
        print(f"ok 2  metadata: inputs {metadata['inputs']}, outputs {metadata['outputs']}")

        name, shape = declared[0]
        output = reference.get_outputs()[0].name
        rng = np.random.default_rng(7)

        def call(binary, x):
            tensor = http.InferInput(name, list(x.shape), "FP32")
            tensor.set_data_from_numpy(x, binary_data=binary)
            answer = client.infer("sample", [tensor], outputs=[http.InferRequestedOutput(output, binary_data=binary)])
            return answer.as_numpy(output)

        x = rng.standard_normal(shape).astype(np.float32)
        expected = reference.run(None, {name: x})[0]
        got = call(False, x)
        assert got is not None and np.allclose(got, expected, rtol=1e-5, atol=1e-6), f"JSON answer {got} vs onnxruntime {expected}"
        print(f"ok 3  JSON tensors: output {output} {list(got.shape)} matches onnxruntime (max |diff| {np.abs(got - expected).max():.2e})")

        worst = 0.0
        for _ in range(10):
            x = rng.standard_normal(shape).astype(np.float32)
            expected = reference.run(None, {name: x})[0]
            got = call(True, x)
            assert np.allclose(got, expected, rtol=1e-5, atol=1e-6), f"binary answer {got} vs onnxruntime {expected}"
            worst = max(worst, float(np.abs(got - expected).max()))
        # No outputs named: tritonclient then asks for every output in binary (parameters.binary_data_output).
        tensor = http.InferInput(name, shape, "FP32")
        tensor.set_data_from_numpy(x, binary_data=True)
        everything = client.infer("sample", [tensor])
        assert np.allclose(everything.as_numpy(output), expected, rtol=1e-5, atol=1e-6), "binary_data_output answer differs"
        print(f"ok 4  binary tensor data both ways, 10 requests on one client: all match onnxruntime (max |diff| {worst:.2e})")

        for call_, needle in [(lambda: client.get_model_metadata("nothing"), "no live model named 'nothing'"),
                              (lambda: call(False, np.zeros([1, 3], np.float32)), "dimension 1 must be")]:
            try:
                call_()
                raise AssertionError(f"no error for a call that should fail with {needle!r}")
            except InferenceServerException as error:
                assert needle in str(error), f"{error} lacks {needle!r}"
        print("ok 5  an unknown model and a wrong shape fail with the agent's reason")
        print(f"OIP check with tritonclient: 5 steps passed in {time.monotonic() - started:.0f} s")
    finally:
        if agent:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
        common.stop_agent_and_registry(None, registry, work)


if __name__ == "__main__":
    main()
