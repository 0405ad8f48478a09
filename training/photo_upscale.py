#!/usr/bin/python3
"""2x photo super-resolution: a small residual CNN on top of bicubic upsampling (the body of
Real-ESRGAN's SRVGGNetCompact: plain 3x3 convolutions + PReLU, sub-pixel output), trained from
scratch with an MSE loss on photographs from Debian packages; evaluated against bicubic upsampling
on held-out crops (PSNR / SSIM / win rate, and a sharpness ratio against the original).

Low-resolution inputs are made by PIL's antialiased bicubic 2x downscale of the original crop,
for training and evaluation alike (the standard "bicubic degradation" of SR benchmarks).

Training photos: gcompris-qt-data + plasma-workspace-wallpapers; evaluation: opencv-doc
(common.photo_split).

    nice -n 10 /usr/bin/python3 training/photo_upscale.py --out models/photo-upscale
    nice -n 10 /usr/bin/python3 training/photo_upscale.py --smoke --out /tmp/smoke/photo-upscale
    nice -n 10 /usr/bin/python3 training/photo_upscale.py --eval-only --out models/photo-upscale
"""
import argparse
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCALE = 2


# --------------------------------------------------------------------------- network
class Upscaler(nn.Module):
    """image [N,3,H,W] RGB [0,1] -> [N,3,2H,2W] RGB [0,1], any H, W >= 1.
    bicubic(image) + PixelShuffle(body(image)): the body only learns what bicubic misses, which
    trains in minutes on a CPU; the result is clamped to [0, 1] inside the graph."""

    def __init__(self, ch=48, convs=10):
        super().__init__()
        layers = [nn.Conv2d(3, ch, 3, padding=1), nn.PReLU(ch)]
        for _ in range(convs):
            layers += [nn.Conv2d(ch, ch, 3, padding=1), nn.PReLU(ch)]
        layers += [nn.Conv2d(ch, 3 * SCALE * SCALE, 3, padding=1), nn.PixelShuffle(SCALE)]
        self.body = nn.Sequential(*layers)
        # He initialisation for PReLU (slope 0.25): PyTorch's default conv init shrinks the signal
        # ~3x per layer, and after 12 layers the body's output (and gradient) vanished: a first
        # run learned nothing in 3,000 steps.
        for m in self.body:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=0.25, nonlinearity="leaky_relu")
                nn.init.zeros_(m.bias)
        nn.init.zeros_(layers[-2].weight)  # start as plain bicubic
        nn.init.zeros_(layers[-2].bias)

    def forward(self, image):
        base = F.interpolate(image, scale_factor=float(SCALE), mode="bicubic", align_corners=False)
        return torch.clamp(base + self.body(image * 2.0 - 1.0), 0.0, 1.0)


# --------------------------------------------------------------------------- data
def downscale(hr_u8):
    """uint8 HWC (H, W even) -> uint8 HWC at half size: PIL's antialiased bicubic."""
    from PIL import Image
    h, w = hr_u8.shape[:2]
    return np.asarray(Image.fromarray(hr_u8).resize((w // SCALE, h // SCALE), Image.BICUBIC))


def bicubic_up(lr_f32):
    """The control: OpenCV bicubic 2x upsampling of float RGB HWC."""
    h, w = lr_f32.shape[:2]
    return np.clip(cv2.resize(lr_f32, (w * SCALE, h * SCALE), interpolation=cv2.INTER_CUBIC), 0, 1)


def load_hr(paths, max_side):
    return [(common.read_rgb(p, max_side) * 255 + 0.5).astype(np.uint8) for p in paths]


def train_batch(rng, photos, bs, hr_size):
    lrs, hrs = [], []
    for _ in range(bs):
        im = photos[rng.integers(len(photos))]
        c = common.random_crop(rng, im, hr_size)
        k = rng.integers(8)  # the 8 flips/rotations of the square
        c = np.rot90(c, k % 4)
        if k >= 4:
            c = c[:, ::-1]
        c = np.ascontiguousarray(c)
        hrs.append(c)
        lrs.append(downscale(c))
    f = lambda a: torch.from_numpy(np.stack(a).astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()
    return f(lrs), f(hrs)


def train(args, photos):
    common.setup(args.seed, args.threads)
    net = Upscaler(args.width, args.convs)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    rng = np.random.default_rng(args.seed)
    timer = common.Timer()
    run = None
    for step in range(args.steps):
        lr, hr = train_batch(rng, photos, args.batch, args.crop)
        loss = F.mse_loss(net(lr), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run = loss.item() if run is None else 0.98 * run + 0.02 * loss.item()
        if step % 200 == 0 or step == args.steps - 1:
            common.log(f"upscale step {step}/{args.steps} MSE {run:.6f} {timer.minutes():.1f} min")
    return net.eval(), timer.minutes()


# --------------------------------------------------------------------------- evaluation
def eval_crops(photos, per_photo, size, seed):
    """per_photo HR crops of size x size from each photo (seeded), with their LR versions."""
    hrs, names = common.photo_crops(np.random.default_rng(seed), photos, per_photo, size)
    return hrs, [downscale(h) for h in hrs], names


@torch.no_grad()
def run_net(net, lr_u8_list):
    x = torch.from_numpy(np.stack(lr_u8_list).astype(np.float32) / 255).permute(0, 3, 1, 2)
    return torch.cat([net(x[i:i + 16]) for i in range(0, len(x), 16)]).permute(0, 2, 3, 1).numpy()


def y601(rgb):
    return 16 / 255 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def hf_energy(gray):
    """Mean squared Laplacian: the high-frequency (detail) energy of a grey image."""
    return float((cv2.Laplacian(gray.astype(np.float64), cv2.CV_64F, ksize=1) ** 2).mean())


def crop_metrics(out, hr, shave):
    """PSNR (RGB and BT.601 Y) and SSIM (Y) with `shave` border pixels left out, as SR papers do,
    and the Laplacian energy relative to the original's (1 = as sharp as the original)."""
    s = slice(shave, -shave)
    o, h = out[s, s], hr[s, s]
    return {"psnr_rgb": common.psnr(o, h), "psnr_y": common.psnr(y601(o), y601(h)),
            "ssim_y": common.ssim(y601(o), y601(h)), "hf": hf_energy(common.luminance(o)),
            "hf_original": hf_energy(common.luminance(h))}


def evaluate(args, net, eval_photos):
    hrs_u8, lrs_u8, names = eval_crops(eval_photos, args.eval_per_photo, args.eval_crop, args.seed + 100)
    hrs = [h.astype(np.float32) / 255 for h in hrs_u8]
    outs = run_net(net, lrs_u8)
    rows = []
    for hr, lr, out, name in zip(hrs, lrs_u8, outs, names):
        b = bicubic_up(lr.astype(np.float32) / 255)
        rows.append({"photo": name, "model": crop_metrics(out, hr, args.shave),
                     "bicubic": crop_metrics(b, hr, args.shave)})
    mean = lambda who, k: round(float(np.mean([r[who][k] for r in rows])), 4)
    m = {"eval_crops": len(rows), "eval_photos": len(eval_photos), "crop": args.eval_crop,
         "crop_seed": args.seed + 100, "shave": args.shave}
    for who in ("model", "bicubic"):
        m[who] = {k: mean(who, k) for k in ("psnr_rgb", "psnr_y", "ssim_y")}
        # sharpness: total Laplacian energy over all crops relative to the originals' (a ratio
        # of sums: a flat crop's near-zero energy cannot dominate it)
        m[who]["sharpness"] = round(sum(r[who]["hf"] for r in rows) / sum(r[who]["hf_original"] for r in rows), 4)
    m["gain_db_rgb"] = round(m["model"]["psnr_rgb"] - m["bicubic"]["psnr_rgb"], 3)
    m["gain_db_y"] = round(m["model"]["psnr_y"] - m["bicubic"]["psnr_y"], 3)
    m["win_rate_psnr_rgb"] = round(float(np.mean([r["model"]["psnr_rgb"] > r["bicubic"]["psnr_rgb"] for r in rows])), 4)
    m["win_rate_ssim_y"] = round(float(np.mean([r["model"]["ssim_y"] > r["bicubic"]["ssim_y"] for r in rows])), 4)
    m["sharper_than_bicubic"] = round(float(np.mean([r["model"]["hf"] > r["bicubic"]["hf"] for r in rows])), 4)
    m["meets_bar"] = bool(m["gain_db_rgb"] >= 1.0 and m["eval_crops"] >= 100)
    common.log("metrics", {k: v for k, v in m.items()})
    return m, rows


def figure(net, eval_photos, path, seed):
    """Rows: 3 held-out crops (seeded, not picked). Columns: low-res input (shown 2x nearest) |
    bicubic | photo-upscale | original; 96x96 input -> 192x192, shown at 2x (nearest) so the
    pixels can be seen."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in rng.choice(len(eval_photos), 3, replace=False):
        name, im = eval_photos[k]
        hr = common.random_crop(rng, im, 192)
        lr = downscale(hr)
        b = bicubic_up(lr.astype(np.float32) / 255)
        o = run_net(net, [lr])[0]
        near = cv2.resize(lr, (192, 192), interpolation=cv2.INTER_NEAREST).astype(np.float32) / 255
        tiles = [near, b, o, hr.astype(np.float32) / 255]
        tiles = [cv2.resize(t, (384, 384), interpolation=cv2.INTER_NEAREST) for t in tiles]
        rows.append(np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=1) for t in tiles], 1))
    fig = (np.concatenate(rows, 0) * 255 + 0.5).astype(np.uint8)
    head = np.full((24, fig.shape[1], 3), 255, np.uint8)
    for i, lab in enumerate(["input (96x96, nearest)", "bicubic 2x", "photo-upscale 2x", "original"]):
        cv2.putText(head, lab, (8 + i * 388, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    common.save_rgb(path, np.concatenate([head, fig], 0))


# --------------------------------------------------------------------------- export / card
def export(net, out):
    path = os.path.join(out, "model.onnx")
    sig = common.export_onnx(
        net, (torch.rand(1, 3, 48, 64),), path, ["image"], ["upscaled"],
        {"image": {0: "batch", 2: "height", 3: "width"}, "upscaled": {0: "batch", 2: "height2x", 3: "width2x"}},
        test_inputs=[(torch.rand(2, 3, 203, 301),), (torch.rand(1, 3, 1, 1),)])
    assert sig["inputs"]["image"] == ["batch", 3, "height", "width"], sig
    assert len(sig["outputs"]["upscaled"]) == 4 and sig["outputs"]["upscaled"][1] == 3, sig
    assert sig["bytes"] <= 5 * 1024 * 1024, f"upscaler is {sig['bytes']} bytes (> 5 MB)"
    return sig


MANIFEST = """task: upscale
description: {description}
default: true
scale: 2
inputs:
  - {{name: image, role: image, layout: NCHW, channels: RGB, range: [0, 1]}}
outputs:
  - {{name: upscaled, role: image, layout: NCHW, channels: RGB, range: [0, 1]}}
"""
DESCRIPTION = "2x photo super-resolution (small residual CNN over bicubic, trained from scratch)"


def write_manifest(out):
    """Written as text in the flow style the service's documentation uses; checked by parsing."""
    import yaml
    path = os.path.join(out, "genserve.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(MANIFEST.format(description=DESCRIPTION))
    with open(path, encoding="utf-8") as f:
        m = yaml.safe_load(f)
    io = {"layout": "NCHW", "channels": "RGB", "range": [0, 1], "role": "image"}
    assert m == {"task": "upscale", "description": DESCRIPTION, "default": True, "scale": 2,
                 "inputs": [dict(name="image", **io)], "outputs": [dict(name="upscaled", **io)]}, m


CARD = """# photo-upscale

Doubles the width and height of a photograph (2x super-resolution). Genserve's default `upscale`
model. A small CNN trained from scratch on this repository's CPU build box by
`training/photo_upscale.py` (see `training/README.md`).

![held-out crops: input, bicubic, this model, original](samples.png)

`samples.png`: three 192x192 crops of held-out opencv-doc photographs (drawn by seed {fig_seed},
not picked), downscaled 2x, then: the 96x96 input (pixels repeated), OpenCV bicubic 2x, this
model's 2x, the original. Everything is shown at 2x (nearest) so single pixels are visible.

## Interface (see `genserve.yaml`)

| tensor | role | dtype | shape | values |
|---|---|---|---|---|
| `image` (input) | image | float32 | [N, 3, H, W] | RGB, [0, 1] |
| `upscaled` (output) | image | float32 | [N, 3, 2H, 2W] | RGB, [0, 1] (clamped in the graph) |

Batch, height and width are dynamic; any H, W >= 1 (padding is zero at the borders). Every batch
item is independent of the others (no normalisation layers).

## Architecture

`upscaled = clamp(bicubic2x(image) + PixelShuffle2(body(image)), 0, 1)`: the body is
the SRVGGNetCompact pattern of Real-ESRGAN (Wang et al. 2021) at small size: 3x3 conv (3 -> {width}),
{convs} x [3x3 conv ({width} -> {width}) + PReLU], 3x3 conv ({width} -> 12), all at the input resolution;
the last layer starts at zero, so training starts from plain bicubic and the body learns what
bicubic misses. {params:,} parameters, {onnx_kb} KB ONNX (opset {opset}; bicubic = ONNX `Resize`
mode cubic, coefficient -0.75 like OpenCV's).

## Training

{photo_sets}

- Originals: training photographs downscaled (area) to at most {train_side} px on the long side;
  random {crop}x{crop} crops with the 8 flips/rotations; input = PIL's antialiased bicubic 2x
  downscale of the crop (the usual "bicubic degradation" of SR benchmarks).
- Loss: mean squared error against the original crop (what PSNR measures). {steps:,} steps of
  batch {batch}, Adam, one-cycle LR (max {lr}), seed {seed}. He initialisation of the convolutions:
  with PyTorch's default initialisation a first run learned nothing (the signal vanished through
  the 12 plain convolutions).
- Training time: {train_min:.1f} min ({total_min:.1f} min for the whole script) on 2 CPU cores
  ({cpu}), torch {torch}, {threads} torch thread(s), at low priority on a box shared with
  other builds, so wall times are upper bounds.

## Evaluation

{n_eval} crops of {eval_crop}x{eval_crop} from the {n_eval_photos} held-out opencv-doc photographs ({per_photo} per
photograph at its own resolution, seed {crop_seed}), each downscaled 2x as in training and
upscaled back by this model and by OpenCV bicubic (`cv2.resize(..., INTER_CUBIC)`).
Metrics against the original crop with {shave} border pixels left out; means over crops.

| method | PSNR RGB dB | PSNR Y dB | SSIM Y | sharpness (Laplacian energy over all crops / the originals') |
|---|---|---|---|---|
| bicubic | {b_psnr:.2f} | {b_psnr_y:.2f} | {b_ssim:.4f} | {b_sharp:.2f} |
| **photo-upscale** | **{m_psnr:.2f}** | **{m_psnr_y:.2f}** | **{m_ssim:.4f}** | **{m_sharp:.2f}** |

- Gain over bicubic: **{gain:+.2f} dB** PSNR RGB ({gain_y:+.2f} dB on Y). Bar: >= +1 dB on >= 100 held-out
  crops: {verdict}.
- Per crop, this model has the higher PSNR on {win_psnr:.0%} of the crops and the higher SSIM on {win_ssim:.0%};
  it is sharper than bicubic (more Laplacian energy) on {sharper:.0%} of the crops.

Reproduce (the exact command of this build; retrains from the fixed seed, then evaluates):

    nice -n 10 /usr/bin/python3 training/photo_upscale.py {argv}

Re-evaluate the checkpoint of the last training run (`training/work/`, not committed; also
re-exports the model and rewrites this card and the figure):

    nice -n 10 /usr/bin/python3 training/photo_upscale.py --eval-only --out models/photo-upscale

## Limitations

Trained for the bicubic degradation only: it sharpens clean downscaled photos well, but does not
remove JPEG blocking, noise or camera blur (Real-ESRGAN's degradations); those are enlarged with
the image. A PSNR-trained network: it restores edges but does not invent texture, so fine texture
(foliage, fur) stays softer than the original.
"""


def write_card(out, args, m, sig, params, train_min, total_min, split, argv):
    text = CARD.format(
        argv=argv, fig_seed=args.seed + 200, width=args.width, convs=args.convs, params=params,
        onnx_kb=round(sig["bytes"] / 1024), opset=sig["opset"], photo_sets=common.photo_sets_md(split),
        train_side=args.train_side, crop=args.crop, steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
        train_min=train_min, total_min=total_min, cpu=common.env_info()["cpu"], torch=torch.__version__,
        threads=args.threads, n_eval=m["eval_crops"], eval_crop=m["crop"], n_eval_photos=m["eval_photos"],
        per_photo=args.eval_per_photo, crop_seed=m["crop_seed"], shave=m["shave"],
        b_psnr=m["bicubic"]["psnr_rgb"], b_psnr_y=m["bicubic"]["psnr_y"], b_ssim=m["bicubic"]["ssim_y"],
        b_sharp=m["bicubic"]["sharpness"], m_psnr=m["model"]["psnr_rgb"], m_psnr_y=m["model"]["psnr_y"],
        m_ssim=m["model"]["ssim_y"], m_sharp=m["model"]["sharpness"], gain=m["gain_db_rgb"], gain_y=m["gain_db_y"],
        verdict="met" if m["meets_bar"] else "NOT met", win_psnr=m["win_rate_psnr_rgb"],
        win_ssim=m["win_rate_ssim_y"], sharper=m["sharper_than_bicubic"])
    common.write_card(out, text, args.smoke)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--eval-only", action="store_true")
    ap.add_argument("--figure-only", action="store_true", help="redraw the figure from the checkpoint")
    ap.add_argument("--dev", action="store_true", help="evaluate on the dev photos instead of the held-out eval set")
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=96, help="training crop (original size; input is half)")
    ap.add_argument("--width", type=int, default=48)
    ap.add_argument("--convs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--train-side", type=int, default=1280)
    ap.add_argument("--eval-crop", type=int, default=128)
    ap.add_argument("--eval-per-photo", type=int, default=4)
    ap.add_argument("--shave", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (2 = the whole build box)")
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.eval_per_photo = 5, 1
    os.makedirs(args.out, exist_ok=True)
    total = common.Timer()
    common.setup(args.seed, args.threads)
    split = common.photo_split(args.work)
    train_paths, eval_paths = split["train"], split["dev" if args.dev else "eval"]
    if args.smoke:
        train_paths, eval_paths = train_paths[:4], eval_paths[:3]
    eval_photos = [(os.path.basename(p), im) for p, im in zip(eval_paths, load_hr(eval_paths, 1024))]
    ckpt = os.path.join(args.work, "photo_upscale" + ("_smoke" if args.smoke else "") + ".pt")
    metrics_path = os.path.join(args.work, "photo-upscale" + ("_smoke" if args.smoke else "") + ".metrics.json")
    if args.figure_only:
        net = Upscaler(args.width, args.convs)
        net.load_state_dict(torch.load(ckpt))
        figure(net.eval(), eval_photos, os.path.join(args.out, "samples.png"), args.seed + 200)
        return
    if args.eval_only:  # the checkpoint of the last run: evaluate, export, card (training facts from its metrics)
        import json
        with open(metrics_path) as f:
            last = json.load(f)
        net = Upscaler(args.width, args.convs)
        net.load_state_dict(torch.load(ckpt))
        net.eval()
        train_min, argv = last["train_minutes"], last.get("argv", " ".join(sys.argv[1:]))
        for k in ("steps", "batch", "seed"):
            setattr(args, k, last[k])
        for k, v in last.get("settings", {}).items():
            setattr(args, k, v)
    else:
        photos = load_hr(train_paths, args.train_side)
        common.log(f"{len(photos)} training photos, {len(eval_photos)} evaluation photos")
        net, train_min = train(args, photos)
        torch.save(net.state_dict(), ckpt)
        argv = " ".join(sys.argv[1:])
    m, rows = evaluate(args, net, eval_photos)
    if args.dev:  # a settings comparison: no export, no card
        common.write_json(os.path.join(args.work, "photo-upscale_dev.metrics.json"), m)
        return
    sig = export(net, args.out)
    figure(net, eval_photos, os.path.join(args.out, "samples.png"), args.seed + 200)
    write_manifest(args.out)
    params = common.param_count(net)
    total_min = total.minutes()
    if args.eval_only:
        total_min = last["total_minutes"]
    write_card(args.out, args, m, sig, params, train_min, total_min, split, argv)
    m.update({"seed": args.seed, "steps": args.steps, "batch": args.batch, "train_minutes": round(train_min, 2),
              "total_minutes": round(total_min, 2), "parameters": params, "onnx": sig, "smoke": args.smoke,
              "per_crop": rows, "env": common.env_info(), "argv": argv,
              "settings": {k: getattr(args, k) for k in ("crop", "width", "convs", "lr", "train_side", "threads")}})
    common.write_json(metrics_path, m)
    common.exit_on_bars(m["meets_bar"], args.smoke)


if __name__ == "__main__":
    main()
