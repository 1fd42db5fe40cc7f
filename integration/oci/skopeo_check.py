#!/usr/bin/env python3
"""skopeo (Debian's, a client nobody here wrote) against the registry's OCI Distribution API.

Starts a registry from --bin with its own data folder, pushes the sample model (integration/sample-model) as
1.0.0 and 1.1.0 with fleetctl, then:
 1. `skopeo inspect docker://HOST/sample:1.0.0` with `--creds any:ADMIN_TOKEN` (the spec's token flow: a 401
    naming /v2/token, HTTP Basic there, a bearer token back) shows the version's labels and one layer whose
    digest is the ONNX file's sha256 in the signed ModelFleet manifest;
 2. `skopeo copy docker://HOST/sample:1.1.0 oci:DIR` writes an OCI layout in which that layer's blob is the ONNX
    file byte for byte (its sha256 is the manifest's, and equals sha256 of v2.onnx), and whose config blob holds
    the signed manifest exactly as `GET /v1/models/sample/versions/1.1.0` serves it;
 3. a device's token pulls too (devices may read what they download);
 4. a wrong token and an unknown repository fail with the registry's reason in skopeo's message.
The last line sums it up. Usage: integration/oci/skopeo_check.py [--bin DIR]   (needs `apt-get install skopeo`)
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "integration", "bench"))
import common  # noqa: E402  (registry start and stop)

SAMPLE = os.path.join(ROOT, "integration", "sample-model")


def run(*command, check=True):
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def sha256(path):
    with open(path, "rb") as file:
        return "sha256:" + hashlib.sha256(file.read()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"))
    args = parser.parse_args()
    if not shutil.which("skopeo"):
        raise SystemExit("skopeo is not installed (apt-get install skopeo)")
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="modelfleet-oci-")
    registry, url, admin, enroll = common.start_registry(os.path.join(args.bin, "modelfleet-registry"), os.path.join(work, "data"))
    try:
        fleetctl = lambda *a: run(os.path.join(args.bin, "fleetctl"), *a, "--registry", url, "--token", admin)
        run(os.path.join(args.bin, "fleetctl"), "keys", "generate", "--out", os.path.join(work, "publisher.key"))
        fleetctl("keys", "register", os.path.join(work, "publisher.pub"))
        for version, file in [("1.0.0", "v1.onnx"), ("1.1.0", "v2.onnx")]:
            fleetctl("push", os.path.join(SAMPLE, file), "--model", "sample", "--version", version, "--key", os.path.join(work, "publisher.key"))
        host = url.removeprefix("http://")
        plain = ["--tls-verify=false"]

        def manifest(version):
            status, body = common.request(f"{url}/v1/models/sample/versions/{version}", token=admin)
            return body, json.loads(body)

        signed, parsed = manifest("1.0.0")
        inspected = json.loads(run("skopeo", "inspect", *plain, "--creds", f"any:{admin}", f"docker://{host}/sample:1.0.0").stdout)
        layers = [file["digest"] for file in parsed["files"]]
        assert inspected["Layers"] == layers, f"skopeo inspect layers {inspected['Layers']} != manifest files {layers}"
        assert layers == [sha256(os.path.join(SAMPLE, "v1.onnx"))], "the layer is not v1.onnx's sha256"
        labels = inspected["Labels"]
        assert labels["dev.modelfleet.version"] == "1.0.0" and labels["dev.modelfleet.model"] == "sample", labels
        assert sorted(inspected["RepoTags"]) == ["1.0.0", "1.0.0_fp32", "1.1.0", "1.1.0_fp32"], inspected["RepoTags"]
        print(f"ok 1  skopeo inspect: tags {inspected['RepoTags']}, one layer = the signed manifest's file digest {layers[0][:19]}…")

        layout = os.path.join(work, "layout")
        run("skopeo", "copy", "--src-tls-verify=false", "--src-creds", f"any:{admin}", f"docker://{host}/sample:1.1.0", f"oci:{layout}:1.1.0")
        signed, parsed = manifest("1.1.0")
        with open(os.path.join(layout, "index.json")) as file:
            index = json.load(file)
        top = index["manifests"][0]["digest"].split(":", 1)[1]
        with open(os.path.join(layout, "blobs", "sha256", top)) as file:
            image = json.load(file)
        file_digest = parsed["files"][0]["digest"]
        blob = os.path.join(layout, "blobs", "sha256", file_digest.split(":", 1)[1])
        assert [layer["digest"] for layer in image["layers"]] == [file_digest], image["layers"]
        assert sha256(blob) == file_digest == sha256(os.path.join(SAMPLE, "v2.onnx")), "the copied layer is not v2.onnx"
        with open(os.path.join(layout, "blobs", "sha256", image["config"]["digest"].split(":", 1)[1])) as file:
            config = json.load(file)
        assert base64.b64decode(config["dev.modelfleet.manifest"]) == signed, "the config does not carry the signed manifest byte for byte"
        print(f"ok 2  skopeo copy to an OCI layout: the layer blob is v2.onnx (sha256 as signed), the config carries the signed manifest")

        status, body = common.request(f"{url}/v1/devices/enroll", "POST", token=enroll, headers={"Content-Type": "application/json"},
                                      body=json.dumps({"arch": "x86_64", "ramBytes": 1 << 30, "diskBytes": 1 << 30, "engineVersion": "0.1.0",
                                                       "supportedOps": [], "labels": {}}).encode())
        device = json.loads(body)["token"]
        run("skopeo", "inspect", *plain, "--creds", f"any:{device}", f"docker://{host}/sample:1.1.0")
        print("ok 3  a device token pulls too")

        wrong = run("skopeo", "inspect", *plain, "--creds", "any:mfa_wrong", f"docker://{host}/sample:1.0.0", check=False)
        assert wrong.returncode != 0 and "unknown token" in wrong.stderr, wrong.stderr
        missing = run("skopeo", "inspect", *plain, "--creds", f"any:{admin}", f"docker://{host}/nothing:1.0.0", check=False)
        assert missing.returncode != 0 and "no model named 'nothing'" in missing.stderr, missing.stderr
        print("ok 4  a wrong token and an unknown repository fail with the registry's reason")
        print(f"OCI check with skopeo: 4 steps passed in {time.monotonic() - started:.0f} s")
    finally:
        common.stop_agent_and_registry(None, registry, work)


if __name__ == "__main__":
    main()
