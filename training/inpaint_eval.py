#!/usr/bin/python3
"""Evaluation of photo-inpaint on held-out photographs against OpenCV's two classical
inpainters, Telea (fast marching) and Navier-Stokes, on the same crops and masks.

Crops: 256x256 from each held-out photograph (read at most 640 px on its long side; photos with
a side < 256 px are left out), 4 per photo at seeded random positions. Each crop is evaluated
with two mask types, drawn by seed:
- rect: one 64x64 square hole, at least 16 px from the crop's border;
- strokes: free-form strokes (random walks of 6-25 px thick lines) covering 12-18% of the crop.
Per crop and method: hole L1 (mean absolute error over hole pixels, RGB, 0..1), hole PSNR (MSE
over hole pixels), and SSIM "around the hole" (the luminance SSIM map, Gaussian window 11,
averaged over the hole dilated by 8 px). Against each control and per mask type: the mean of
each metric and the per-crop win rate (the share of crops on which the model is better).

    /usr/bin/python3 training/inpaint_eval.py                  # checkpoint training/work/photo_inpaint.pt, eval photos
    /usr/bin/python3 training/inpaint_eval.py --set dev
    /usr/bin/python3 training/inpaint_eval.py --onnx models/photo-inpaint/model.onnx   # an exported model
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CROP, RECT, BORDER = 256, 64, 16
STROKE_COVER = (0.12, 0.18)
CONTROL_RADIUS = 5
METRICS = ("hole_l1", "hole_psnr", "ssim_around")
BAR_WIN_RATE = 0.65


def strokes(rng, h, w, ref=256):
    """Free-form strokes drawn at a fixed pixel scale (widths 6-25 px, segments 20-77 px for
    ref=256) whatever the canvas size, so training crops see the evaluation's stroke sizes."""
    m = np.zeros((h, w), np.uint8)
    for _ in range(rng.integers(1, 4)):
        x, y = rng.integers(0, w), rng.integers(0, h)
        width = int(rng.integers(ref // 40, ref // 10))
        for _ in range(rng.integers(2, 7)):
            ang = rng.uniform(0, 2 * np.pi)
            ln = rng.uniform(ref * 0.08, ref * 0.3)
            nx = int(np.clip(x + ln * np.cos(ang), 0, w - 1))
            ny = int(np.clip(y + ln * np.sin(ang), 0, h - 1))
            cv2.line(m, (int(x), int(y)), (nx, ny), 1, width)
            cv2.circle(m, (nx, ny), width // 2, 1, -1)
            x, y = nx, ny
    return m.astype(np.float32)


def eval_mask(rng, kind):
    m = np.zeros((CROP, CROP), np.float32)
    if kind == "rect":
        y, x = rng.integers(BORDER, CROP - RECT - BORDER + 1, size=2)
        m[y:y + RECT, x:x + RECT] = 1
        return m
    while True:
        m = strokes(rng, CROP, CROP)
        if STROKE_COVER[0] <= m.mean() <= STROKE_COVER[1]:
            return m


def load_photos(paths):
    out = []
    for p in paths:
        im = common.read_rgb(p, 640)
        if min(im.shape[:2]) >= CROP:
            out.append((os.path.basename(p), (im * 255 + 0.5).astype(np.uint8)))
    return out


def eval_set(photos, per_photo, seed):
    """Crops (uint8) and, per mask type, one mask per crop; all fixed by `seed`."""
    rng = np.random.default_rng(seed)
    crops, names = common.photo_crops(rng, photos, per_photo, CROP)
    masks = {k: np.stack([eval_mask(rng, k) for _ in crops]) for k in ("rect", "strokes")}
    return np.stack(crops), names, masks


def classical(crops_u8, masks, flag):
    return np.stack([cv2.inpaint(c, (m > 0.5).astype(np.uint8) * 255, CONTROL_RADIUS, flag)
                     for c, m in zip(crops_u8, masks)]).astype(np.float32) / 255


@torch.no_grad()
def run_net(net, crops_f32, masks, bs=8):
    out = []
    for i in range(0, len(crops_f32), bs):
        x = torch.from_numpy(crops_f32[i:i + bs]).permute(0, 3, 1, 2).contiguous()
        m = torch.from_numpy(masks[i:i + bs])[:, None].contiguous()
        out.append(net(x, m)[0].permute(0, 2, 3, 1).numpy())
    return np.concatenate(out)


def ssim_map(a, b):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    a, b = a.astype(np.float64), b.astype(np.float64)
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)
    mu_a, mu_b = blur(a), blur(b)
    saa, sbb, sab = blur(a * a) - mu_a ** 2, blur(b * b) - mu_b ** 2, blur(a * b) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))


def crop_metrics(pred, ref, mask):
    h = mask > 0.5
    around = cv2.dilate(h.astype(np.uint8), np.ones((17, 17), np.uint8)) > 0
    return {"hole_l1": float(np.abs(pred[h] - ref[h]).mean()),
            "hole_psnr": common.psnr(pred, ref, mask[..., None]),
            "ssim_around": float(ssim_map(common.luminance(pred), common.luminance(ref))[around].mean())}


def better(metric, a, b):
    return a < b if metric == "hole_l1" else a > b


def evaluate(net, photos, per_photo, seed):
    """Returns (summary, per-crop rows)."""
    crops_u8, names, masks = eval_set(photos, per_photo, seed)
    ref = crops_u8.astype(np.float32) / 255
    summary, rows = {"crops": len(crops_u8), "photos": len(photos), "crop": CROP, "seed": seed,
                     "control_radius": CONTROL_RADIUS}, []
    for kind, mk in masks.items():
        outs = {"model": run_net(net, ref, mk), "telea": classical(crops_u8, mk, cv2.INPAINT_TELEA),
                "navier_stokes": classical(crops_u8, mk, cv2.INPAINT_NS)}
        per = {who: [crop_metrics(o, r, m) for o, r, m in zip(out, ref, mk)] for who, out in outs.items()}
        s = {"hole_fraction": round(float(mk.mean()), 4)}
        for who in outs:
            s[who] = {k: round(float(np.mean([p[k] for p in per[who]])), 4) for k in METRICS}
        for ctl in ("telea", "navier_stokes"):
            s[f"win_rate_vs_{ctl}"] = {k: round(float(np.mean([better(k, a[k], b[k]) for a, b in zip(per["model"], per[ctl])])), 4)
                                       for k in METRICS}
            s[f"beats_{ctl}_on_means"] = all(better(k, s["model"][k], s[ctl][k]) for k in METRICS)
        s["meets_bars"] = bool(s["beats_telea_on_means"] and s["beats_navier_stokes_on_means"]
                               and min(min(s[f"win_rate_vs_{c}"].values()) for c in ("telea", "navier_stokes")) >= BAR_WIN_RATE)
        summary[kind] = s
        rows += [{"photo": n, "mask": kind, **{who: per[who][i] for who in outs}} for i, n in enumerate(names)]
    summary["meets_bars"] = bool(summary["crops"] >= 100 and all(summary[k]["meets_bars"] for k in masks))
    return summary, rows


def sheet(net, photos, path, seed, n=6):
    """n seeded random examples (half rect, half strokes; photos, positions and masks drawn by
    `seed`, not picked). Columns: input (hole magenta) | Telea | Navier-Stokes | model | original."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        name, im = photos[rng.integers(len(photos))]
        c = common.random_crop(rng, im, CROP)
        m = eval_mask(rng, "rect" if i < n // 2 else "strokes")
        ref = c.astype(np.float32) / 255
        outs = [classical(c[None], m[None], cv2.INPAINT_TELEA)[0], classical(c[None], m[None], cv2.INPAINT_NS)[0],
                run_net(net, ref[None], m[None])[0], ref]
        shown = ref * (1 - m[..., None]) + m[..., None] * np.array([1.0, 0.0, 1.0], np.float32)
        rows.append(np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=1) for t in [shown] + outs], 1))
    fig = (np.concatenate(rows, 0) * 255 + 0.5).astype(np.uint8)
    head = np.full((22, fig.shape[1], 3), 255, np.uint8)
    for i, lab in enumerate(["input (hole magenta)", "OpenCV Telea", "OpenCV Navier-Stokes", "photo-inpaint", "original"]):
        cv2.putText(head, lab, (6 + i * (CROP + 4), 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    common.save_rgb(path, np.concatenate([head, fig], 0), palette=True)


def from_onnx(path):
    """photo_inpaint.InpaintUNet with the weights of an exported model.onnx (its initializers
    keep the torch parameter names under ExportWrapper's `net.`), so a committed model is
    evaluated without its training checkpoint."""
    import onnx
    from onnx import numpy_helper
    import photo_inpaint
    inits = {i.name[len("net."):]: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer
             if i.name.startswith("net.")}
    net = photo_inpaint.InpaintUNet(inits["e0.0.0.weight"].shape[0])
    net.load_state_dict({k: torch.from_numpy(inits[k].copy()) for k in net.state_dict()})  # KeyError if absent
    return net.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=os.path.join(HERE, "work", "photo_inpaint.pt"))
    ap.add_argument("--onnx", help="instead of --checkpoint: an exported photo-inpaint model.onnx")
    ap.add_argument("--set", choices=["eval", "dev"], default="eval")
    ap.add_argument("--per-photo", type=int, default=4)
    ap.add_argument("--seed", type=int, default=4421)
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    args = ap.parse_args()
    import photo_inpaint
    common.setup(0, 2)
    net = from_onnx(args.onnx) if args.onnx else photo_inpaint.load_checkpoint(args.checkpoint)
    photos = load_photos(common.photo_split(args.work)[args.set])
    s, _ = evaluate(net, photos, args.per_photo, args.seed)
    import json
    print(json.dumps(s, indent=1))


if __name__ == "__main__":
    main()
