#!/usr/bin/python3
"""Checks exported models with real ONNX Runtime: feeds each model inputs at sizes other than its
training size and compares ORT's output with PyTorch's on the same inputs.

Debian bookworm has no onnxruntime for Python, so this runs ORT through its Java API
(training/ort_check/OrtCheck.java, a single-file Java program) with the onnxruntime jar from the
local Maven cache (~/.m2, filled by the Genserve build). Without java or the jar it says so and
exits 0 (onnx.checker + shape inference already ran at export time).

    /usr/bin/python3 training/verify_onnx.py MODELS_DIR [--work training/work]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def find_jar():
    jars = sorted(glob.glob(os.path.expanduser("~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/*/onnxruntime-*.jar")))
    return jars[-1] if jars else None


def run_ort(jar, model, feeds, tmp):
    args = ["java", "-cp", jar, os.path.join(HERE, "ort_check", "OrtCheck.java"), model, tmp]
    for name, arr in feeds.items():
        f = os.path.join(tmp, name + ".in.bin")
        arr.astype("<i8" if arr.dtype == np.int64 else "<f4").tofile(f)
        args.append(f"{name}:{'int64' if arr.dtype == np.int64 else 'float32'}:{','.join(map(str, arr.shape))}:{f}")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    res = {}
    for line in out.strip().splitlines():
        name, dims = line.split(" ", 1)
        shape = [int(d) for d in dims.strip("[]").split(",")]
        res[name] = np.fromfile(os.path.join(tmp, name + ".out.bin"), "<f4").reshape(shape)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models")
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--smoke", action="store_true", help="compare with the smoke-run checkpoints")
    args = ap.parse_args()
    jar = find_jar()
    if not shutil.which("java") or not jar:
        print("verify_onnx: java or the onnxruntime jar (~/.m2) is missing; skipped")
        return 0
    sys.path.insert(0, HERE)
    import torch
    import common
    common.setup(0)
    failures = 0
    for d in sorted(glob.glob(os.path.join(args.models, "*", "model.onnx"))):
        name = os.path.basename(os.path.dirname(d))
        cases, model = reference_cases(name, args.work, "_smoke" if args.smoke else "")
        if model is None:
            print(f"{name}: no checkpoint in {args.work}; checking ORT runs only")
        for feeds in cases:
            with tempfile.TemporaryDirectory() as tmp:
                got = run_ort(jar, d, feeds, tmp)
            (oname, out), = got.items()
            msg = f"{name}: ORT ok, inputs {[(k, list(v.shape)) for k, v in feeds.items()]} -> {oname} {list(out.shape)}"
            if model is not None:
                with torch.no_grad():
                    ref = model(*[torch.from_numpy(v) for v in feeds.values()]).numpy()
                diff = float(np.abs(ref - out).max())
                msg += f", max |ORT - torch| = {diff:.2e}"
                if diff > 1e-3 or ref.shape != out.shape:
                    failures += 1
                    msg += "  FAIL"
            print(msg, flush=True)
    return 1 if failures else 0


def reference_cases(name, work, suffix):
    """Inputs at non-training sizes per task, and the torch model from the checkpoint (or None)."""
    import torch
    rng = np.random.default_rng(7)
    if name == "fashion-gan":
        import fashion_gan
        cases = [{"z": rng.standard_normal((n, fashion_gan.LATENT)).astype(np.float32),
                  "label": np.arange(n, dtype=np.int64) % 10} for n in (1, 5)]
        ck = os.path.join(work, f"fashion_gan{suffix}.pt")
        model = None
        if os.path.exists(ck):
            model = fashion_gan.Generator()
            model.load_state_dict(torch.load(ck)["G"])
            model.eval()
        return cases, model
    if name == "photo-inpaint":
        import photo_inpaint
        cases = []
        for n, h, w in ((1, 64, 64), (2, 136, 200), (1, 256, 384)):
            m = np.stack([photo_inpaint.random_mask(rng, h, w) for _ in range(n)])[:, None]
            cases.append({"image": rng.random((n, 3, h, w), dtype=np.float32), "mask": m.astype(np.float32)})
        ck = os.path.join(work, f"photo_inpaint{suffix}.pt")
        model = None
        if os.path.exists(ck):
            model = photo_inpaint.ExportWrapper(photo_inpaint.load_checkpoint(ck)).eval()
        return cases, model
    if name.startswith("style-"):
        import style_transfer
        cases = [{"image": rng.random((n, 3, h, w), dtype=np.float32)} for n, h, w in ((1, 203, 301), (2, 64, 48), (1, 17, 9), (1, 8, 8))]
        ck = os.path.join(work, f"style_{name[6:]}{suffix}.pt")
        model = None
        if os.path.exists(ck):
            model = style_transfer.load_checkpoint(ck)
        return cases, model
    if name == "photo-upscale":
        import photo_upscale
        cases = [{"image": rng.random((n, 3, h, w), dtype=np.float32)} for n, h, w in ((1, 203, 301), (2, 17, 9), (1, 1, 1))]
        ck = os.path.join(work, f"photo_upscale{suffix}.pt")
        model = None
        if os.path.exists(ck):
            model = photo_upscale.Upscaler()
            model.load_state_dict(torch.load(ck))
            model.eval()
        return cases, model
    return [], None


if __name__ == "__main__":
    sys.exit(main())
