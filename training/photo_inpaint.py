#!/usr/bin/python3
"""Photo inpainting: a fixed pull-push coarse fill + a small fully convolutional U-Net that
corrects it, trained on random crops of photographs with free-form strokes and rectangles as
holes; evaluated (training/inpaint_eval.py) against OpenCV's Telea and Navier-Stokes inpainting
on held-out photographs with seeded masks.

Training photos: gcompris-qt-data + plasma-workspace-wallpapers; evaluation: opencv-doc
(common.photo_split).

    nice -n 10 /usr/bin/python3 training/photo_inpaint.py --out models/photo-inpaint
    nice -n 10 /usr/bin/python3 training/photo_inpaint.py --smoke --out /tmp/smoke/photo-inpaint
    /usr/bin/python3 training/inpaint_eval.py     # re-evaluate the last checkpoint
"""
import argparse
import math
import os
import shlex
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import inpaint_eval  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------- masks
def random_mask(rng, h, w, kind=None):
    """float32 [h,w], 1 = hole, at the pixel scale of the evaluation masks (inpaint_eval.py)
    whatever the crop size: free-form strokes (6-25 px thick), square-ish rectangles (24-80 px
    sides) or both; hole fraction 2-45%."""
    kind = kind or rng.choice(["strokes", "rects", "both"], p=[0.45, 0.35, 0.20])
    m = np.zeros((h, w), np.float32)
    if kind in ("strokes", "both"):
        m = np.maximum(m, inpaint_eval.strokes(rng, h, w))
    if kind in ("rects", "both"):
        for _ in range(rng.integers(1, 3)):
            rh, rw = rng.integers(24, min(h, 81)), rng.integers(24, min(w, 81))
            y0, x0 = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
            m[y0:y0 + rh, x0:x0 + rw] = 1
    if not 0.02 <= m.mean() <= 0.45:  # keep holes moderate; retry
        return random_mask(rng, h, w, kind)
    return m


# --------------------------------------------------------------------------- network
def conv(cin, cout, k=3, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, padding=dilation * (k - 1) // 2, dilation=dilation),
                         nn.LeakyReLU(0.2, True))


BOX3 = torch.ones(3, 1, 3, 3)  # fixed kernels (constants in the exported graph)
BOX1 = torch.ones(1, 1, 3, 3)


def _normconv(img, w, dilation):
    """One normalised-convolution step with a fixed 3x3 box kernel: the weighted mean of the
    known (w > 0) neighbours; returns (filled image, new weight). img has 3 channels."""
    num = F.conv2d(img * w, BOX3, padding=dilation, dilation=dilation, groups=3)
    den = F.conv2d(w, BOX1, padding=dilation, dilation=dilation)
    filled = num / (den + 1e-6)
    return w * img + (1 - w) * filled, torch.clamp(den, 0.0, 1.0)


def pull_push(img, keep, levels=3):
    """Deterministic coarse fill of the holes (Gortler et al. 1996 pull-push, then normalised
    convolutions at 1/8 resolution for holes wider than the pyramid): smooth interpolation from
    the hole boundary, about as good as classical diffusion inpainting. Needs H, W % 8 == 0."""
    ims, ws = [img * keep], [keep]
    for _ in range(levels):  # pull: known-weighted averages, weight = clamp(number of known pixels)
        wsum = F.avg_pool2d(ws[-1], 2)
        ims.append(F.avg_pool2d(ims[-1] * ws[-1], 2) / (wsum + 1e-6))
        ws.append(torch.clamp(wsum * 4.0, 0.0, 1.0))
    im, w = ims[-1], ws[-1]
    for d in (1, 2, 4, 8, 16, 32):  # close what the pyramid left open
        im, w = _normconv(im, w, d)
    for lvl in range(levels - 1, -1, -1):  # push: fill each level's holes from the coarser level
        up = F.interpolate(im, scale_factor=2.0, mode="bilinear", align_corners=False)
        im = ws[lvl] * ims[lvl] + (1 - ws[lvl]) * up
    return im


GAUSS3 = (torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16).view(1, 1, 3, 3)
ONION_STEPS, ONION_TAU = 24, 9.0  # 24 and 32 rings measured as 48 on the dev photos, at half the cost


def onion_peel(img, keep, steps=ONION_STEPS, tau=ONION_TAU):
    """Near-boundary fill: the hole is peeled from its boundary inward, a ring a step, each newly
    reached pixel the Gaussian-weighted mean of its known 3x3 neighbours (known: outside the hole
    or reached in an earlier step). Close to the boundary this copies the local detail that the
    pull-push fill and the U-Net blur, and it beats OpenCV's Telea and Navier-Stokes there (hole L1
    in the first 4 px: 0.064 against 0.067 / 0.066 on the dev photos); deeper in, it smears.
    Returns (fill, trust): trust = exp(-(ring - 1) / tau) for reached pixels (ring 1 = next to the
    boundary), 0 for those `steps` rings did not reach."""
    w, rings = keep, torch.zeros_like(keep)
    img = img * keep
    for _ in range(steps):
        num = F.conv2d(img * w, GAUSS3.expand(3, 1, 3, 3), padding=1, groups=3)
        den = F.conv2d(w, GAUSS3, padding=1)
        img = w * img + (1 - w) * num / (den + 1e-6)
        w = torch.maximum(w, (den > 0.2).float())  # reached: more than a diagonal neighbour known
        rings = rings + (1 - w)
    return img, w * torch.exp(-rings / tau)


class InpaintUNet(nn.Module):
    """image [N,3,H,W] in [0,1] + mask [N,1,H,W] (1 = hole) -> image [N,3,H,W] in [0,1].
    H and W must be multiples of 8 (three stride-2 levels). A fixed pull-push fill gives a coarse
    estimate; the U-Net sees (holed image, mask, coarse fill) and predicts a correction to the
    coarse fill. Hole pixels of the input are ignored inside the graph, and the known pixels are
    pasted back at the end (composites: true)."""

    def __init__(self, ch=32):
        super().__init__()
        c1, c2, c3 = ch, ch * 2, ch * 4
        self.e0 = nn.Sequential(conv(7, c1, 5), conv(c1, c1))
        self.e1 = nn.Sequential(conv(c1, c2, 3, 2), conv(c2, c2))
        self.e2 = nn.Sequential(conv(c2, c3, 3, 2), conv(c3, c3))
        self.e3 = nn.Sequential(conv(c3, c3, 3, 2), conv(c3, c3, dilation=2), conv(c3, c3, dilation=4),
                                conv(c3, c3, dilation=8), conv(c3, c3))
        self.d2 = nn.Sequential(conv(2 * c3, c3), conv(c3, c3))
        self.d1 = nn.Sequential(conv(c3 + c2, c2), conv(c2, c2))
        self.d0 = nn.Sequential(conv(c2 + c1, c1), conv(c1, c1))
        self.out = nn.Conv2d(c1, 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)  # start as the pull-push fill
        nn.init.zeros_(self.out.bias)

    @staticmethod
    def up(x):
        return F.interpolate(x, scale_factor=2.0, mode="nearest")

    def forward(self, image, mask):
        keep = 1.0 - mask
        coarse = pull_push(image, keep)
        x = torch.cat([image * keep, mask, coarse], dim=1)
        h0 = self.e0(x)
        h1 = self.e1(h0)
        h2 = self.e2(h1)
        h3 = self.e3(h2)
        y = self.d2(torch.cat([self.up(h3), h2], 1))
        y = self.d1(torch.cat([self.up(y), h1], 1))
        y = self.d0(torch.cat([self.up(y), h0], 1))
        pred = torch.clamp(coarse + self.out(y), 0.0, 1.0)
        # near the boundary the onion-peel fill, deeper in the U-Net's (blend by distance)
        near, trust = onion_peel(image, keep)
        fill = trust * near + (1 - trust) * pred
        return image * keep + fill * mask, pred


class ExportWrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, mask):
        return self.net(image, mask)[0]


# --------------------------------------------------------------------------- data
def load_photos(paths, max_side):
    return [(common.read_rgb(p, max_side) * 255).astype(np.uint8) for p in paths]


def train_batch(rng, photos, bs, size):
    imgs, masks = [], []
    for _ in range(bs):
        im = photos[rng.integers(len(photos))]
        s = rng.uniform(0.6, 1.0)  # random scale: 0.6-1x of the 640-px version (evaluation: 640 px)
        h, w = im.shape[:2]
        nh, nw = max(size, int(h * s)), max(size, int(w * s))
        im = cv2.resize(im, (nw, nh), interpolation=cv2.INTER_AREA)
        c = common.random_crop(rng, im, size)
        if rng.random() < 0.5:
            c = c[:, ::-1]
        imgs.append(c.astype(np.float32) / 255)
        masks.append(random_mask(rng, size, size))
    x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).contiguous()
    m = torch.from_numpy(np.stack(masks))[:, None]
    return x, m


def edge_loss(a, b, m):
    dxa, dxb = a[..., :, 1:] - a[..., :, :-1], b[..., :, 1:] - b[..., :, :-1]
    dya, dyb = a[..., 1:, :] - a[..., :-1, :], b[..., 1:, :] - b[..., :-1, :]
    mx = torch.maximum(m[..., :, 1:], m[..., :, :-1])
    my = torch.maximum(m[..., 1:, :], m[..., :-1, :])
    return ((dxa - dxb).abs() * mx).mean() + ((dya - dyb).abs() * my).mean()


def train(args, photos):
    common.setup(args.seed, args.threads)
    # --init: go on from an exported model's network (its U-Net weights; the fixed stages are code)
    net = inpaint_eval.from_onnx(args.init).train() if args.init else InpaintUNet(args.width)
    args.width = net.e0[0][0].out_channels
    timer = common.Timer()
    if args.steps == 0:
        return net.eval(), timer.minutes()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    rng = np.random.default_rng(args.seed)
    run = 0.0
    for step in range(args.steps):
        x, m = train_batch(rng, photos, args.batch, args.crop)
        out, pred = net(x, m)
        hole = m.mean().clamp_min(1e-3)
        l_hole = ((out - x).abs() * m).mean() / hole
        l_all = (pred - x).abs().mean()  # keeps the raw prediction sane outside the hole too
        l_edge = edge_loss(out, x, m) / hole
        loss = l_hole + 0.1 * l_all + args.edge * l_edge
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)  # an unclipped lr-2e-3 run diverged at step ~500
        opt.step()
        sched.step()
        run = 0.98 * run + 0.02 * l_hole.item() if step else l_hole.item()
        if step % 200 == 0 or step == args.steps - 1:
            common.log(f"inpaint step {step}/{args.steps} hole-L1 {run:.4f} {timer.minutes():.1f} min")
    return net.eval(), timer.minutes()


def load_checkpoint(path):
    ck = torch.load(path)
    net = InpaintUNet(**ck["config"])
    net.load_state_dict(ck["state"])
    return net.eval()


# --------------------------------------------------------------------------- export / card
def export(net, out):
    path = os.path.join(out, "model.onnx")
    w = ExportWrapper(net).eval()
    sig = common.export_onnx(
        w, (torch.rand(1, 3, 64, 96), (torch.rand(1, 1, 64, 96) > 0.7).float()), path,
        ["image", "mask"], ["inpainted"],
        {"image": {0: "batch", 2: "height", 3: "width"}, "mask": {0: "batch", 2: "height", 3: "width"},
         "inpainted": {0: "batch", 2: "height", 3: "width"}},
        test_inputs=[(torch.rand(2, 3, 136, 200), torch.zeros(2, 1, 136, 200)),
                     (torch.rand(1, 3, 8, 8), torch.ones(1, 1, 8, 8))])
    assert sig["inputs"]["image"] == ["batch", 3, "height", "width"], sig
    assert sig["outputs"]["inpainted"] == ["batch", 3, "height", "width"], sig
    return sig


def manifest():
    size = {"multiple-of": 8, "min": 8, "max": 2048}
    return {
        "task": "inpaint",
        "description": "Pull-push fill + small U-Net correction + onion-peel fill near the boundary, photo inpainter (free-form and rectangular holes)",
        "batch": "dynamic",
        "composites": True,
        "fit": "resize",
        "inputs": [
            {"name": "image", "role": "image", "dtype": "float32", "layout": "NCHW", "channels": "RGB",
             "range": [0, 1], "size": dict(size), "zero-holes": False},
            {"name": "mask", "role": "mask", "dtype": "float32", "layout": "NCHW", "channels": "GRAY",
             "range": [0, 1], "size": dict(size), "hole": "high", "threshold": 128},
        ],
        "outputs": [
            {"name": "inpainted", "role": "image", "dtype": "float32", "layout": "NCHW", "channels": "RGB",
             "range": [0, 1]},
        ],
    }


CARD = """# photo-inpaint

Fills holes in photographs. A small fully convolutional U-Net, trained from scratch on this
repository's CPU build box, between two fixed fills: a smooth one it corrects and one that keeps
the detail next to the hole's boundary; built by `training/photo_inpaint.py` (see
`training/README.md`).

![6 seeded random held-out examples: input, OpenCV Telea, OpenCV Navier-Stokes, this model, original](before_after.png)

`before_after.png`: six examples drawn at random by seed {fig_seed} (not picked): 256x256 crops of
held-out opencv-doc photographs, three with a 64x64 square hole and three with free-form strokes
(~15%); holes in magenta. Columns: input, OpenCV Telea, OpenCV Navier-Stokes, this model, original.

## Interface (see `genserve.yaml`)

| tensor | role | dtype | shape | values |
|---|---|---|---|---|
| `image` (input) | image | float32 | [N, 3, H, W] | RGB, [0, 1] |
| `mask` (input) | mask | float32 | [N, 1, H, W] | [0, 1], 1 = hole (`hole: high`) |
| `inpainted` (output) | image | float32 | [N, 3, H, W] | RGB, [0, 1] |

H and W are dynamic and must be multiples of 8 (three stride-2 levels), 8..2048. The graph zeroes
the hole pixels of `image` itself and pastes the known pixels back (`composites: true`), so the
output equals the input outside the hole. Values in between 0 and 1 in `mask` blend linearly.

## Architecture

Three stages in one graph. (1) A fixed, parameter-free coarse fill: pull-push (Gortler et al.
1996) over a 3-level average-pooling pyramid, then normalised 3x3 box convolutions (dilations
1-32) at 1/8 resolution for holes wider than the pyramid, then bilinear push back to full size —
a smooth interpolation from the hole boundary. (2) A U-Net with plain 3x3 convolutions + LeakyReLU
(no normalisation) that sees (image with holes zeroed, mask, coarse fill) and predicts a
correction to the coarse fill (its last layer starts at zero, so training starts from the coarse
fill): encoder {w1}-{w2}-{w3} channels with stride-2 convolutions, a 1/8-resolution bottleneck with
dilated convolutions (dilation 2, 4, 8), nearest-neighbour upsampling + skip connections; the
result is clamped to [0, 1]. (3) A fixed, parameter-free near-boundary fill blended in by distance:
the hole is peeled from its boundary inward, a ring a step ({onion_steps} steps), each newly
reached pixel the Gaussian-weighted mean of its known 3x3 neighbours; it keeps the local detail
next to the boundary that (1) and (2) blur (on the dev photos its hole L1 in the first 4 px is
0.064 against Telea's 0.067 and Navier-Stokes' 0.066), but smears deeper in. A hole pixel of ring
r (1 = next to the boundary) takes exp(-(r-1)/{onion_tau:g}) of it and the rest from (2); the
constant was chosen on the dev photos (6, 9, 12, 16, 24 tried), never on the evaluation photos.
The result is composited with the known pixels. {params:,} parameters ({onnx_kb} KB ONNX, opset
{opset}).

## Training

{init_md}{photo_sets}

{recipe_md}

## Evaluation (`training/inpaint_eval.py`)

{n_crops} crops of 256x256 from {n_photos} held-out opencv-doc photographs (4 per photograph at seeded
positions, seed {eval_seed}; photographs read at <= 640 px, those with a side < 256 px left out).
Every crop is evaluated twice: with one 64x64 square hole (at least 16 px from the border) and
with free-form strokes covering 12-18% of the crop. Controls on the same crops and masks:
OpenCV `cv2.inpaint(..., radius {radius}, INPAINT_TELEA)` and `INPAINT_NS`. Metrics: hole L1 (mean
absolute RGB error over the hole, 0..1), hole PSNR, and luminance SSIM around the hole (the SSIM
map averaged over the hole dilated by 8 px). Win rate = share of crops on which this model is
better than the control on that metric.

{table}

Bars (issue 14): beat both controls on the mean of all three metrics, and a per-crop win rate >=
65% against each control on each mask type (all three metrics here). Result: {verdict}.

Reproduce the evaluation of the checkpoint of the last training run (`training/work/`, not committed):

    /usr/bin/python3 training/inpaint_eval.py

and the whole build (retrains from the fixed seed, then evaluates):

    nice -n 10 /usr/bin/python3 training/photo_inpaint.py {argv}

## Limitations

Trained for minutes of a shared CPU on ~100 photographs with an L1 loss: it continues
edges and colour gradients into the hole ({standing}), but it does not synthesise texture: inside a
large hole, grass, foliage or fabric come out smooth.
Stage (3) is {onion_steps} rounds of small full-image operations: with 24 it makes a run about 1.45x as
long as the graph without it (raw ONNX Runtime at 304x208 on the 2-core CPU: 81-91 ms against
56-64 ms; the README's Benchmark section). Inputs much larger than the training crops are best inpainted
on a crop around the hole (`fit: crop`) or downscaled (`fit: resize`).
"""


RECIPE = """- Crops: photos at 640 px on the long side, random scale 0.6-1x, random {crop}x{crop} crops,
  horizontal flips.
- Masks, drawn fresh for every sample at the evaluation's pixel scale: free-form strokes (random
  walks of 6-25 px thick lines), rectangles with 24-80 px sides, or both; hole fraction 2-45%.
- Loss: L1 in the hole (normalised by hole area) + {edge:g} x L1 of image gradients in/next to the
  hole + 0.1 x L1 of the raw prediction everywhere.
- {steps:,} steps of batch {batch}, Adam, one-cycle LR (max {lr}), gradient-norm clipping at 1, seed {seed}.
- Training time: {train_min:.1f} min ({total_min:.1f} min for the whole script) on 2 CPU cores
  ({cpu}), torch {torch}, {threads} torch thread(s), on a box shared with other
  jobs, so wall times are upper bounds.
"""


def results_table(m):
    lines = ["| mask | method | hole L1 (lower better) | hole PSNR dB | SSIM around hole | win rate vs it: L1 / PSNR / SSIM |",
             "|---|---|---|---|---|---|"]
    for kind, label in (("rect", "64x64 square"), ("strokes", "strokes")):
        s = m[kind]
        lines.append(f"| {label} ({s['hole_fraction']:.1%} of the crop) | **photo-inpaint** | **{s['model']['hole_l1']:.4f}** | "
                     f"**{s['model']['hole_psnr']:.2f}** | **{s['model']['ssim_around']:.4f}** | |")
        for ctl, name in (("telea", "OpenCV Telea"), ("navier_stokes", "OpenCV Navier-Stokes")):
            w = s[f"win_rate_vs_{ctl}"]
            lines.append(f"| | {name} | {s[ctl]['hole_l1']:.4f} | {s[ctl]['hole_psnr']:.2f} | {s[ctl]['ssim_around']:.4f} | "
                         f"{w['hole_l1']:.0%} / {w['hole_psnr']:.0%} / {w['ssim_around']:.0%} |")
    return "\n".join(lines)


def verdict(m):
    if m["meets_bars"]:
        return "met"
    miss = []
    for kind in ("rect", "strokes"):
        s = m[kind]
        for ctl in ("telea", "navier_stokes"):
            if not s[f"beats_{ctl}_on_means"]:
                miss.append(f"{kind}: means not all better than {ctl}")
            low = [k for k, v in s[f"win_rate_vs_{ctl}"].items() if v < inpaint_eval.BAR_WIN_RATE]
            if low:
                miss.append(f"{kind}: win rate vs {ctl} < 65% on {', '.join(low)}")
    return "NOT met (" + "; ".join(miss) + ")"


def init_md(args):
    if not args.init:
        return ""
    return (f"The U-Net's weights come from `{args.init}` (sha256 {args.init_sha256[:16]}…): "
            f"{args.init_provenance or 'a model trained earlier'}. "
            + ("Used as they are, in the current graph (stages 1 and 3 are code, not weights)" if args.steps == 0
               else f"Then {args.steps:,} steps of the recipe below, through the whole graph") + ".\n\n")


def recipe_md(args, train_min, total_min):
    if args.steps == 0:
        return f"No training in this run ({total_min:.1f} min for the whole script: export, evaluation, figure)."
    return RECIPE.format(crop=args.crop, edge=args.edge, steps=args.steps, batch=args.batch, lr=args.lr, seed=args.seed,
                         train_min=train_min, total_min=total_min, cpu=common.env_info()["cpu"], torch=torch.__version__,
                         threads=args.threads).rstrip("\n")


def write_card(out, args, m, sig, params, train_min, total_min, split):
    text = CARD.format(
        argv=shlex.join(sys.argv[1:]), fig_seed=args.seed + 200, w1=args.width, w2=2 * args.width, w3=4 * args.width,
        # the card's text must not claim a win the numbers above do not show
        standing="it beats both classical inpainters on every bar above" if m["meets_bars"]
        else "the table above says where it stands against the classical inpainters",
        onion_steps=ONION_STEPS, onion_tau=ONION_TAU, init_md=init_md(args), recipe_md=recipe_md(args, train_min, total_min),
        params=params, onnx_kb=round(sig["bytes"] / 1024), opset=sig["opset"], photo_sets=common.photo_sets_md(split),
        n_crops=m["crops"], n_photos=m["photos"], eval_seed=m["seed"], radius=m["control_radius"],
        table=results_table(m), verdict=verdict(m))
    common.write_card(out, text, args.smoke)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--figure-only", action="store_true", help="redraw the figure from the checkpoint")
    ap.add_argument("--dev", action="store_true", help="train, then evaluate on the dev photos only (no export)")
    ap.add_argument("--tag", default="", help="checkpoint name suffix (settings comparisons)")
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128, help="training crop size")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--edge", type=float, default=0.5, help="weight of the image-gradient L1 term")
    ap.add_argument("--init-provenance", default="", help="with --init: how that model was trained, for the card")
    ap.add_argument("--init", help="an exported photo-inpaint model.onnx whose U-Net weights training starts "
                                   "from (with --steps 0: re-export and evaluate them in the current graph)")
    ap.add_argument("--eval-per-photo", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (2 = the whole build box)")
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    args = ap.parse_args()
    if args.smoke:
        args.steps, args.eval_per_photo, args.crop = 3, 1, 64
    os.makedirs(args.out, exist_ok=True)
    total = common.Timer()
    common.setup(args.seed, args.threads)
    split = common.photo_split(args.work)
    train_paths, eval_paths = split["train"], split["dev" if args.dev else "eval"]
    if args.smoke:
        train_paths, eval_paths = train_paths[:4], eval_paths[:3]
    eval_photos = inpaint_eval.load_photos(eval_paths)
    ckpt = os.path.join(args.work, "photo_inpaint" + ("_smoke" if args.smoke else "") + args.tag + ".pt")
    fig = os.path.join(args.out, "before_after.png")
    if args.figure_only:
        inpaint_eval.sheet(load_checkpoint(ckpt), eval_photos, fig, args.seed + 200)
        return
    args.init_sha256 = common.file_sha256(args.init) if args.init else None  # before the export may overwrite it
    photos = load_photos(train_paths, 640)
    common.log(f"{len(photos)} training photos, {len(eval_photos)} evaluation photos")
    net, train_min = train(args, photos)
    torch.save({"config": {"ch": args.width}, "state": net.state_dict()}, ckpt)
    m, rows = inpaint_eval.evaluate(net, eval_photos, args.eval_per_photo, args.seed + 100)
    common.log("metrics", m)
    tag = "photo-inpaint" + ("_smoke" if args.smoke else "") + args.tag
    if args.dev:
        common.write_json(os.path.join(args.work, tag + "_dev.metrics.json"), {"summary": m, "args": vars(args)})
        return
    sig = export(net, args.out)
    inpaint_eval.sheet(net, eval_photos, fig, args.seed + 200)
    common.write_manifest(os.path.join(args.out, "genserve.yaml"), manifest())
    params = common.param_count(net)
    total_min = total.minutes()
    write_card(args.out, args, m, sig, params, train_min, total_min, split)
    m.update({"steps": args.steps, "batch": args.batch, "train_minutes": round(train_min, 2),
              "total_minutes": round(total_min, 2), "parameters": params, "onnx": sig, "smoke": args.smoke,
              "per_crop": rows, "env": common.env_info()})
    common.write_json(os.path.join(args.work, tag + ".metrics.json"), m)
    common.exit_on_bars(m["meets_bars"], args.smoke)


if __name__ == "__main__":
    main()
