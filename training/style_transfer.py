#!/usr/bin/python3
"""Feed-forward style transfer (after Johnson, Alahi & Fei-Fei 2016), one model per painting.

No pretrained VGG is available on the build box, so the Gram-matrix style loss is computed in a
FIXED RANDOM-WEIGHT multi-scale convolutional network (He, Wang & Hopcroft 2016; Ustyuzhaninov
et al. 2017), on the output at full and half resolution (strokes at two scales), against the
painting toned towards the photo's brightness. Detail is kept by the architecture (with
--head-photo yes, starry-night's setting, the photo itself reaches the full-resolution output
head) and by the content loss on luminance: the
photo's high-pass must survive (projection), the blurred luminance layout stays near the photo's,
and the photo is not brightened. Evaluation (training/style_eval.py) is on held-out photographs, in
random probe networks never used in training, against a Lab colour-transfer control.

Training photos: gcompris-qt-data + plasma-workspace-wallpapers; evaluation: opencv-doc
(common.photo_split).

    nice -n 10 /usr/bin/python3 training/style_transfer.py starry-night --out models/style-starry-night
    nice -n 10 /usr/bin/python3 training/style_transfer.py night-cafe --out models/style-night-cafe
    nice -n 10 /usr/bin/python3 training/style_transfer.py starry-night --smoke --out /tmp/smoke/style-starry-night
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import style_eval  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------- transformer
class ConvIN(nn.Sequential):
    def __init__(self, cin, cout, k, stride=1, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride, padding=k // 2, padding_mode="reflect"),
                  nn.InstanceNorm2d(cout, affine=True)]
        if relu:
            layers.append(nn.ReLU(True))
        super().__init__(*layers)


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(ConvIN(c, c, 3), ConvIN(c, c, 3, relu=False))

    def forward(self, x):
        return x + self.body(x)


class StyleNet(nn.Module):
    """Johnson et al. 2016 transformation network (9x9 conv, two stride-2 convs, residual blocks,
    two nearest-upsample + conv stages) with U-Net skips, and a full-resolution head that sees
    the photo itself next to the decoder's features: instance norm discards the photo's
    brightness and fine detail, the head gets both back. image [N,3,H,W] RGB [0,1] ->
    [N,3,H,W] RGB [0,1], any H, W >= 4: each upsampling targets the exact size of the matching
    encoder level, so odd sizes work."""

    def __init__(self, ch=24, blocks=5, head_photo=True):
        super().__init__()
        self.head_photo = head_photo
        self.c1 = ConvIN(3, ch, 9)
        self.d1 = ConvIN(ch, 2 * ch, 3, 2)
        self.d2 = ConvIN(2 * ch, 4 * ch, 3, 2)
        self.res = nn.Sequential(*[Residual(4 * ch) for _ in range(blocks)])
        self.u1 = ConvIN(4 * ch + 2 * ch, 2 * ch, 3)
        self.u2 = ConvIN(2 * ch + ch, ch, 3)
        self.head = nn.Sequential(nn.Conv2d(ch + (3 if head_photo else 0), ch, 3, padding=1, padding_mode="reflect"),
                                  nn.ReLU(True),
                                  nn.Conv2d(ch, 3, 3, padding=1, padding_mode="reflect"))

    def forward(self, x):
        xs = x * 2.0 - 1.0
        h0 = self.c1(xs)
        h1 = self.d1(h0)
        h = self.res(self.d2(h1))
        h = self.u1(torch.cat([F.interpolate(h, size=h1.shape[-2:], mode="nearest"), h1], 1))
        h = self.u2(torch.cat([F.interpolate(h, size=h0.shape[-2:], mode="nearest"), h0], 1))
        return torch.sigmoid(self.head(torch.cat([h, xs], 1) if self.head_photo else h))


# --------------------------------------------------------------------------- palette stage
# sRGB (D65) <-> CIE Lab as OpenCV's COLOR_RGB2Lab for float images (L 0..100), in torch so that it
# trains in the loop and exports to ONNX with the network.
_RGB2XYZ = [[0.412453, 0.357580, 0.180423],
            [0.212671, 0.715160, 0.072169],
            [0.019334, 0.119193, 0.950227]]
_XYZ2RGB = np.linalg.inv(np.array(_RGB2XYZ)).tolist()
_WHITE = [0.950456, 1.0, 1.088754]
_EPS = (6 / 29) ** 3


def _mix(m, x):
    """Per-pixel 3x3 colour matrix m (nested lists of floats) applied to x [N,3,H,W]: plain Mul/Add in ONNX."""
    return torch.cat([(m[i][0] * x[:, 0:1] + m[i][1] * x[:, 1:2] + m[i][2] * x[:, 2:3]) for i in range(3)], 1)


def rgb_to_lab(rgb):
    c = rgb.clamp(0, 1)
    lin = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055).clamp_min(1e-8) ** 2.4)
    xyz = torch.cat([_mix(_RGB2XYZ, lin)[:, i:i + 1] / _WHITE[i] for i in range(3)], 1)
    f = torch.where(xyz > _EPS, xyz.clamp_min(1e-8) ** (1 / 3), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return torch.cat([116 * f[:, 1:2] - 16, 500 * (f[:, 0:1] - f[:, 1:2]), 200 * (f[:, 1:2] - f[:, 2:3])], 1)


def lab_to_rgb(lab):
    fy = (lab[:, 0:1] + 16) / 116
    f = torch.cat([fy + lab[:, 1:2] / 500, fy, fy - lab[:, 2:3] / 200], 1)
    xyz = torch.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29))
    xyz = torch.cat([xyz[:, i:i + 1] * _WHITE[i] for i in range(3)], 1)
    lin = _mix(_XYZ2RGB, xyz).clamp(0, 1)
    return torch.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin.clamp_min(1e-8) ** (1 / 2.4) - 0.055).clamp(0, 1)


def check_lab(rng=np.random.default_rng(0)):
    """The torch Lab conversion against OpenCV's (an independent implementation), on random colours
    and the corners of the RGB cube: raises when they differ by more than half a Lab unit, or when
    the round trip moves a colour by more than 1/255. Run by every --smoke."""
    rgb = np.concatenate([rng.random((4096, 3)), np.array(np.meshgrid([0, 1], [0, 1], [0, 1])).reshape(3, -1).T])
    rgb = rgb.astype(np.float32)
    ours = rgb_to_lab(torch.from_numpy(rgb).T.reshape(1, 3, -1, 1)).reshape(3, -1).T.numpy()
    theirs = cv2.cvtColor(rgb.reshape(-1, 1, 3), cv2.COLOR_RGB2LAB).reshape(-1, 3)
    back = lab_to_rgb(torch.from_numpy(ours).T.reshape(1, 3, -1, 1)).reshape(3, -1).T.numpy()
    lab_err, trip_err = float(np.abs(ours - theirs).max()), float(np.abs(back - rgb).max())
    if lab_err > 0.5 or trip_err > 1 / 255:
        raise AssertionError(f"Lab conversion: {lab_err:.3f} Lab units from OpenCV, round trip {trip_err:.4f}")
    common.log(f"Lab conversion: within {lab_err:.3f} Lab units of OpenCV, round trip within {trip_err:.5f}")


def _min(a, b):
    """Elementwise minimum in plain arithmetic: ONNX shape inference keeps the shapes (torch.minimum
    with an expanded scalar lost the channel dimension of the exported output)."""
    return (a + b - (a - b).abs()) / 2


class PaletteStage(nn.Module):
    """Gives each output image the painting's chroma statistics (Lab a and b: mean and standard
    deviation) and its luminance contrast (L standard deviation, at most half the mean L), around
    a mean L at most a little above the photo's, so that dark photos stay dark. Part of the
    network, in training too: the palette is exact by construction, so the style loss is spent on
    texture rather than on matching the palette. The painting's statistics are buffers, saved and exported with it."""

    def __init__(self, max_lift=8.0):
        super().__init__()
        self.max_lift = max_lift  # how far the mean L may rise above the photo's
        self.register_buffer("target", torch.zeros(5))  # a mean, a std, b mean, b std, L std

    def set_painting(self, painting):
        lab = rgb_to_lab(painting)
        a, b, L = lab[:, 1], lab[:, 2], lab[:, 0]
        self.target.copy_(torch.stack([a.mean(), a.std(), b.mean(), b.std(), L.std()]))

    def forward(self, rgb, photo):
        lab = rgb_to_lab(rgb)
        mean = lab.mean((2, 3), keepdim=True)
        std = (lab - mean).pow(2).mean((2, 3), keepdim=True).add(1e-4).sqrt()
        # Mean L: the network's, but at most max_lift (8: about 0.08 in luminance) above the
        # photo's. The network alone lifted dark photos (a night photo from L 10.5 to 34.5, +0.16 in luminance);
        # the photo's own mean everywhere kept them dark but left 5 of 32 photos closer to the
        # painting than the Lab control, against 29 with the network's.
        photo_L = rgb_to_lab(photo)[:, 0:1].mean((2, 3), keepdim=True)
        L_mean = _min(mean[:, 0:1], photo_L + self.max_lift)
        t = self.target
        # The painting's contrast, but at most half the mean L: further, a dark image's shadows would
        # be pushed below black and clipped there, which brightens it.
        L_std = _min(t[4], L_mean / 2)
        L = (lab[:, 0:1] - mean[:, 0:1]) * (L_std / std[:, 0:1]) + L_mean
        a = (lab[:, 1:2] - mean[:, 1:2]) * (t[1] / std[:, 1:2]) + t[0]
        b = (lab[:, 2:3] - mean[:, 2:3]) * (t[3] / std[:, 2:3]) + t[2]
        return lab_to_rgb(torch.cat([L.clamp(0, 100), a, b], 1))


class Stylised(nn.Module):
    """The served network: the transformation network, then the painting's palette."""

    def __init__(self, ch=24, blocks=5, max_lift=8.0, head_photo=True):
        super().__init__()
        self.net = StyleNet(ch, blocks, head_photo)
        self.palette = PaletteStage(max_lift)

    def forward(self, x):
        return self.palette(self.net(x), x)


def load_checkpoint(path):
    return network_of(torch.load(path))


def network_of(ck):
    """The network a loaded checkpoint holds, in eval mode (earlier runs' checkpoints have no palette stage)."""
    net = (Stylised if ck.get("palette") else StyleNet)(**ck["config"])
    net.load_state_dict(ck["state"])
    return net.eval()


# --------------------------------------------------------------------------- losses
def loss_net():
    """The training loss network (seed 20160101, 3x3 kernels, average pooling); the probe
    networks of style_eval.py (other seeds, 5x5 / 7x7 kernels) are never used in training."""
    return style_eval.RandomNet([64, 128, 256, 256], 3, seed=20160101, pool="avg").eval()


def luminance(x):
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def gauss_kernel(sigma):
    r = int(3 * sigma + 0.5)
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    return (k[:, None] * k[None, :])[None, None]


HP_KERNEL = gauss_kernel(style_eval.HF_SIGMA)
LOW_KERNEL = gauss_kernel(4.0)


def blur(lum, kernel):
    r = kernel.shape[-1] // 2
    return F.conv2d(F.pad(lum, (r, r, r, r), mode="reflect"), kernel)


def highpass(lum):
    """lum [N,1,H,W] minus its Gaussian blur (sigma as in the evaluation's detail measure)."""
    return lum - blur(lum, HP_KERNEL)


def style_loss(L, y, targets):
    """targets: per level, Gram matrices [N, C, C] (one per batch item) or [1, C, C]."""
    return sum(((style_eval.gram(f) - t) ** 2).sum((1, 2)).div((t ** 2).sum((1, 2))).mean()
               for f, t in zip(L(y), targets)) / len(targets)


TONE_MEANS = (0.10, 0.16, 0.22, 0.28, 0.34, 0.40, 0.46, 0.52)


def toned(painting, mean):
    """The painting under a gamma curve that gives its luminance the mean `mean` (bisection)."""
    lo, hi = 0.2, 5.0
    for _ in range(30):
        g = (lo * hi) ** 0.5
        m = luminance(painting.clamp_min(1e-4) ** g).mean().item()
        lo, hi = (g, hi) if m > mean else (lo, g)
    return painting.clamp_min(1e-4) ** ((lo * hi) ** 0.5)


def tone_targets(L, painting):
    """Gram targets of the painting at TONE_MEANS mean luminances (full and half size): a dark
    photo is styled towards a darkened painting instead of being brightened to the painting's tone."""
    out = []
    with torch.no_grad():
        for mean in TONE_MEANS:
            p = toned(painting, mean)
            half = F.interpolate(p, scale_factor=0.5, mode="area")
            out.append(([style_eval.gram(f) for f in L(p)], [style_eval.gram(f) for f in L(half)]))
    return out


def pick_tone(x_lum_mean, painting_mean):
    """Target tone per photo: the painting's own, except for photos darker than the painting,
    which get a painting at most 0.05 brighter than the photo (the evaluation bar: dark photos are
    not brightened by more than 0.1). None = the painting itself."""
    t = x_lum_mean + 0.05
    if t >= painting_mean:
        return None
    return int(np.argmin([abs(t - m) for m in TONE_MEANS]))


def train(args, photos, style):
    common.setup(args.seed, args.threads)
    net = Stylised(args.width, args.blocks, args.max_lift, args.head_photo == "yes")
    net.palette.set_painting(style)
    L = loss_net()
    tones = tone_targets(L, style)
    with torch.no_grad():
        own = ([style_eval.gram(f) for f in L(style)],
               [style_eval.gram(f) for f in L(F.interpolate(style, scale_factor=0.5, mode="area"))])
    style_mean = luminance(style).mean().item()
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    rng = np.random.default_rng(args.seed)
    timer = common.Timer()
    for step in range(args.steps):
        batch = []
        for _ in range(args.batch):
            im = photos[rng.integers(len(photos))]
            s = rng.uniform(0.7, 1.0)
            h, w = im.shape[:2]
            im = cv2.resize(im, (max(args.crop, int(w * s)), max(args.crop, int(h * s))), interpolation=cv2.INTER_AREA)
            c = common.random_crop(rng, im, args.crop)
            batch.append(c[:, ::-1] if rng.random() < 0.5 else c)
        x = torch.from_numpy(np.stack(batch).astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()
        y = net(x)
        picks = [own if k is None else tones[k]
                 for k in (pick_tone(m, style_mean) for m in luminance(x).mean((1, 2, 3)).tolist())]
        targets = [torch.cat([p[0][k] for p in picks]) for k in range(len(picks[0][0]))]
        targets_half = [torch.cat([p[1][k] for p in picks]) for k in range(len(picks[0][1]))]
        l_style = style_loss(L, y, targets) + args.half_weight * style_loss(
            L, F.interpolate(y, scale_factor=0.5, mode="area"), targets_half)
        # Content, on luminance only (colours are free to move to the painting's):
        # - detail: the projection of the output's high-pass onto the photo's high-pass must stay
        #   at the photo's amplitude (c = 1): the photo's fine detail is kept, while stroke texture
        #   that is orthogonal to it is not penalised;
        # - layout: the low-pass (sigma 4 px) luminance stays near the photo's, so shapes and
        #   shading survive and dark photos stay dark;
        # - no brightening of the whole photo by more than 0.05 in mean luminance.
        ly, lx = luminance(y), luminance(x)
        hy, hx = highpass(ly), highpass(lx)
        c = (hy * hx).sum((1, 2, 3)) / (hx * hx).sum((1, 2, 3)).clamp_min(1e-6)
        l_detail = ((c - 1.0) ** 2).mean()
        l_layout = (blur(ly, LOW_KERNEL) - blur(lx, LOW_KERNEL)).abs().mean()
        l_bright = F.relu(ly.mean((1, 2, 3)) - lx.mean((1, 2, 3)) - 0.05).pow(2).mean()
        l_tv = (y[..., 1:, :] - y[..., :-1, :]).abs().mean() + (y[..., :, 1:] - y[..., :, :-1]).abs().mean()
        loss = (args.style_weight * l_style + args.hf_weight * l_detail + args.content_weight * l_layout
                + args.bright_weight * l_bright + args.tv_weight * l_tv)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        sched.step()
        if step % 50 == 0 or step == args.steps - 1:
            common.log(f"style step {step}/{args.steps} style {l_style.item():.4f} detail-c {c.mean().item():.3f} "
                       f"layout {l_layout.item():.4f} bright {l_bright.item():.5f} tv {l_tv.item():.4f} {timer.minutes():.1f} min")
    return net.eval(), timer.minutes()


# --------------------------------------------------------------------------- figure
FIGURE_PHOTOS = ["building.jpg", "messi5.jpg", "fruits.jpg", "ela_original.jpg"]  # fixed before training


def figure(net, painting_rgb, eval_paths, path, side=384):
    """Rows: held-out photos (one of them dark, one a face). Columns: photo | this model |
    Lab colour-transfer control; the painting on top. The first photo is fed at 301x203."""
    picks = [p for n in FIGURE_PHOTOS for p in eval_paths if os.path.basename(p) == n] or eval_paths[:3]
    rows = []
    for i, p in enumerate(picks):
        x = common.read_rgb(p, side)
        if i == 0:
            x = cv2.resize(x, (301, 203), interpolation=cv2.INTER_AREA)  # odd size on purpose
        y = style_eval.stylise_torch(net)(x)
        c = style_eval.lab_transfer(x, painting_rgb)
        rows.append([x, y, c])
    w = max(sum(t.shape[1] + 4 for t in r) for r in rows)
    out = []
    thumb = common.read_rgb_array(painting_rgb, 200)
    head = np.ones((thumb.shape[0] + 4, w, 3), np.float32)
    head[2:2 + thumb.shape[0], 2:2 + thumb.shape[1]] = thumb
    out.append(head)
    for r in rows:
        hh = max(t.shape[0] for t in r) + 4
        line = np.concatenate([np.pad(t, ((2, hh - t.shape[0] - 2), (2, 2), (0, 0)), constant_values=1) for t in r], 1)
        out.append(np.pad(line, ((0, 0), (0, w - line.shape[1]), (0, 0)), constant_values=1))
    fig = (np.concatenate(out, 0) * 255 + 0.5).astype(np.uint8)
    common.put_label(fig, "painting", (thumb.shape[1] + 10, 20))
    common.save_rgb(path, fig, palette=True)


# --------------------------------------------------------------------------- export / card
def export(net, out):
    path = os.path.join(out, "model.onnx")
    sig = common.export_onnx(
        net, (torch.rand(1, 3, 96, 128),), path, ["image"], ["styled"],
        {"image": {0: "batch", 2: "height", 3: "width"}, "styled": {0: "batch", 2: "height", 3: "width"}},
        test_inputs=[(torch.rand(2, 3, 203, 301),), (torch.rand(1, 3, 17, 9),)])
    assert sig["inputs"]["image"] == ["batch", 3, "height", "width"], sig
    assert sig["outputs"]["styled"] == ["batch", 3, "height", "width"], sig
    return sig


def manifest(info):
    return {
        "task": "image-to-image",
        "description": f"Feed-forward style transfer: {info['title']} ({info['artist']}, {info['year']})",
        "batch": "dynamic",
        "fit": "resize",
        "inputs": [
            {"name": "image", "role": "image", "dtype": "float32", "layout": "NCHW", "channels": "RGB",
             "range": [0, 1], "size": {"multiple-of": 1, "min": 8, "max": 2048}},
        ],
        "outputs": [
            {"name": "styled", "role": "image", "dtype": "float32", "layout": "NCHW", "channels": "RGB",
             "range": [0, 1]},
        ],
    }


CARD = """# style-{name}

Restyles a photograph after *{title}* ({artist}, {year}). A feed-forward network (after Johnson
et al. 2016) trained from scratch on this repository's CPU build box by
`training/style_transfer.py {name}` (see `training/README.md`).

![painting; rows: held-out photo | this model | Lab colour-transfer control](styled.png)

`styled.png`: the painting (top), then four held-out opencv-doc photographs (fixed before
training: a building, a face, fruit, a dark street), each as photo | **this model** | the control
(Reinhard Lab colour transfer to the painting, which only moves colours). The first photo is fed
at 301x203 to show that odd sizes work, the others at {fig_side} px on the long side.

![photo | style-starry-night | its control | style-night-cafe | its control](sheet.png)

`sheet.png`: both default styles side by side on five held-out photographs at 320 px (columns:
photo, style-starry-night, Lab colour transfer to *The Starry Night*, style-night-cafe, Lab colour
transfer to *The Night Café*); drawn by `training/style_eval.py --sheet models` once both models
are trained.

## Interface (see `genserve.yaml`)

| tensor | role | dtype | shape | values |
|---|---|---|---|---|
| `image` (input) | image | float32 | [N, 3, H, W] | RGB, [0, 1] |
| `styled` (output) | image | float32 | [N, 3, H, W] | RGB, [0, 1] (sigmoid) |

Any H, W >= 8 (no multiple-of constraint: the decoder's upsampling targets the exact size of the
matching encoder level; convolutions pad by reflection). Output size = input size. Instance norm
makes every batch item independent of the others. Trained on {crop}x{crop} crops of photos at
~512 px with the painting at {style_side} px: the strokes have a fixed size in pixels, so they
look as in the figure at ~300-600 px and finer on larger inputs.

## Architecture

Johnson et al. 2016 transformation network with U-Net skips: 9x9 conv ({w1}) -> stride-2 3x3
conv ({w2}) -> stride-2 3x3 conv ({w3}) -> {blocks} residual blocks ({w3}) -> [nearest upsample,
concat the stride-2 features, 3x3 conv ({w2})] -> [nearest upsample, concat the full-resolution
features, 3x3 conv ({w1})] -> head: {head_input}3x3 conv ({w1}) + ReLU, 3x3 conv
(3), sigmoid -> **palette stage**: in CIE Lab, each image's a and b channels get the painting's
mean and standard deviation, and its L channel the painting's standard deviation (at most half the
mean L) around the network's mean L, held to at most {lift:g} above the photo's (so dark photos stay
dark); fixed statistics of the painting, no weights, in the training loop too, so that the style
loss works on texture rather than palette. Instance norm (affine) + ReLU
after every inner conv, reflection padding. {head_why} {params:,}
parameters ({onnx_kb} KB ONNX, opset {opset}).

Losses (no pretrained network exists on the build box), in a **fixed random-weight** 4-level
conv network (3x3 kernels, 64-128-256-256 channels, He-normal weights, seed 20160101, ReLU, 2x
average pooling between levels; after He, Wang & Hopcroft 2016 and Ustyuzhaninov et al. 2017):
- style: mean over levels of ||G(output) - G(painting)||^2 / ||G(painting)||^2 (Gram matrices),
  on the output and (weight {hw}) on the output and painting at half size, for strokes at two scales.
  Dark photos keep their tone: a photo darker than the painting is matched against the painting
  under a gamma curve that gives it a mean luminance at most 0.05 above the photo's (targets
  precomputed for means 0.10-0.52) instead of being brightened to the painting's tone;
- content, on luminance only (colours are free): **detail**, the projection of the output's
  high-pass (luminance minus its sigma-1 Gaussian blur) onto the photo's must keep the photo's
  amplitude, so fine detail survives while stroke texture orthogonal to it is free; **layout**, L1
  between the sigma-4 blurred luminances of output and photo (shapes and shading); a penalty on
  raising the mean luminance by more than 0.05; plus total variation.
- Weights: style {sw}, detail {hfw}, layout {cw}, brightening {bw}, TV {tvw}.

## Training

- Style image: *{title}*, {artist}, {year} — {p_licence}. Source: {p_source}. Used at {style_side} px on
  its long side.

{photo_sets}

- Content crops: photos downscaled to 512 px, random scale 0.7-1x, random {crop}x{crop} crops,
  horizontal flips.
- {steps:,} steps of batch {batch}, Adam, one-cycle LR (max {lr}), gradient-norm clipping at 5, seed {seed}.
- Training time: {train_min:.1f} min ({total_min:.1f} min for the whole script) on 2 CPU cores
  ({cpu}), torch {torch}, {threads} torch thread(s), at low priority on a box shared with other
  builds, so wall times are upper bounds.

## Evaluation (`training/style_eval.py`)

{n_eval} held-out opencv-doc photographs (never used in training or in choosing settings), each at
{eval_side} px on its long side. Control: Reinhard et al. 2001 colour transfer (each Lab channel
shifted and scaled to the painting's mean and standard deviation) — colours only, no strokes.

| metric | bar | this model | control |
|---|---|---|---|
| high-frequency luminance energy kept (mean of the sigma-1 high-pass squared, output / photo), mean over photos | >= 0.60 | **{hf:.2f}** (min {hf_min:.2f}; {hf_ok}/{n_eval} photos >= 0.60) | {hf_c:.2f} |
| Gram distance to the painting in two random probe networks never used in training (5x5 kernels max pooling 48-96-192-384-384, seed 20170707; 7x7 kernels average pooling 64-128-256-256-256, seed 31415), mean | lower | **{g_m:.3f}** (photo: {g_p:.3f}) | {g_c:.3f} |
| photos on which the model is closer to the painting than the control (probe Gram distance) | >= 7/8 | **{beats}/{n_eval}** ({beats_frac:.0%}) | |
| SSIM of luminance, output vs photo, mean | 0.4-0.8 | **{ssim:.3f}** (range {ssim_min:.2f}-{ssim_max:.2f}; {ssim_ok}/{n_eval} in 0.4-0.8) | {ssim_c:.3f} |
| mean luminance change on dark photos (mean < 0.3: {n_dark}), worst | <= +0.10 (painting mean {p_lum:.2f}: not bright) | **{dark_max:+.3f}** | |

Bars: {verdict}.

Reproduce the evaluation of the checkpoint of the last training run (`training/work/`, not committed):

    /usr/bin/python3 training/style_eval.py {name}

and the whole build (retrains from the fixed seed, then evaluates):

    nice -n 10 /usr/bin/python3 training/style_transfer.py {argv}

## Limitations

{limitations}
"""

LIMITATIONS = """The loss network has random weights: it captures the painting's palette and
brush-stroke texture at a few scales, not its semantics (no sky-becomes-swirls). Expect the photo
recoloured and overlaid with stroke texture, with its detail intact, rather than a painter's
reinterpretation."""


def training_argv():
    """This run's arguments as a command that trains (a --from-checkpoint run describes a model trained so)."""
    return " ".join(a for a in sys.argv[1:] if a != "--from-checkpoint")


def write_card(out, args, info, s, sig, params, train_min, total_min, split, argv=None):
    b = s["bars"]
    verdict = "all met" if s["meets_bars"] else "NOT all met (" + ", ".join(k for k, v in b.items() if not v) + ")"
    text = CARD.format(
        argv=argv or training_argv(), name=args.painting, title=info["title"], artist=info["artist"], year=info["year"],
        fig_side=384, crop=args.crop, style_side=args.style_side, w1=args.width, w2=2 * args.width, w3=4 * args.width,
        blocks=args.blocks, lift=args.max_lift, params=params,
        head_input="concat the photo itself, " if args.head_photo == "yes" else "",
        head_why=("The head sees the photo because instance norm throws away its brightness and fine detail."
                  if args.head_photo == "yes" else
                  "The head sees only the decoder's features (`--head-photo no`): with the photo beside them,"
                  " this painting's outputs kept too much of the photo (dev luminance SSIM 0.83, above the"
                  " 0.8 bar; without it, 0.72 with as many photos closer to the painting than the control)."),
        onnx_kb=round(sig["bytes"] / 1024), opset=sig["opset"], hw=args.half_weight,
        sw=args.style_weight, cw=args.content_weight, hfw=args.hf_weight, bw=args.bright_weight, tvw=args.tv_weight,
        p_licence=info["licence"], p_source=info["source"], photo_sets=common.photo_sets_md(split), steps=args.steps,
        batch=args.batch, lr=args.lr, seed=args.seed, train_min=train_min, total_min=total_min,
        cpu=common.env_info()["cpu"], torch=torch.__version__, threads=args.threads, n_eval=s["photos"],
        eval_side=s["side"], hf=s["hf_ratio"], hf_min=s["hf_ratio_min"], hf_ok=s["hf_ok"], hf_c=s["hf_ratio_control"],
        g_m=s["gram_model"], g_p=s["gram_photo"], g_c=s["gram_control"], beats=s["beats_control"],
        beats_frac=s["beats_control"] / s["photos"], ssim=s["ssim_l"], ssim_min=s["ssim_l_min"],
        ssim_max=s["ssim_l_max"], ssim_ok=s["ssim_ok"], ssim_c=s["ssim_l_control"], n_dark=s["dark_photos"],
        dark_max=s["dark_max_brightening"], p_lum=s["painting_mean_luminance"], verdict=verdict,
        limitations=LIMITATIONS)
    common.write_card(out, text, args.smoke)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("painting", choices=sorted(common.PAINTINGS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--figure-only", action="store_true", help="redraw the figure from the checkpoint")
    ap.add_argument("--card-only", action="store_true",
                    help="rewrite README.md from the last run's metrics (training/work/*.metrics.json)")
    ap.add_argument("--dev", action="store_true", help="train, then evaluate on the dev photos only (no export)")
    ap.add_argument("--from-checkpoint", action="store_true",
                    help="skip training: evaluate, export and describe the checkpoint of an earlier run with the"
                         " same painting and --tag (e.g. the --dev run whose settings were chosen)")
    ap.add_argument("--tag", default="", help="checkpoint name suffix (settings comparisons)")
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--steps", type=int, default=1200)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--head-photo", choices=["yes", "no"], default=None,
                    help="whether the full-resolution head sees the photo itself beside the decoder's features;"
                         " default: per painting (common.PAINTINGS)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--style-weight", type=float, default=None, help="default: per painting (common.PAINTINGS)")
    ap.add_argument("--max-lift", type=float, default=None,
                    help="palette stage: how far (Lab L) the mean may rise above the photo's; default: per painting")
    ap.add_argument("--half-weight", type=float, default=1.0)
    ap.add_argument("--content-weight", type=float, default=None, help="default: per painting (common.PAINTINGS)")
    ap.add_argument("--hf-weight", type=float, default=None, help="default: per painting (common.PAINTINGS)")
    ap.add_argument("--bright-weight", type=float, default=100.0)
    ap.add_argument("--tv-weight", type=float, default=0.0)
    ap.add_argument("--style-side", type=int, default=None, help="default: per painting (common.PAINTINGS)")
    ap.add_argument("--eval-side", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (2 = the whole build box)")
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    args = ap.parse_args()
    for k, v in common.PAINTINGS[args.painting]["train"].items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.smoke:
        args.steps, args.crop, args.eval_side = 3, 64, 96
        check_lab()
    os.makedirs(args.out, exist_ok=True)
    total = common.Timer()
    common.setup(args.seed, args.threads)
    info = common.PAINTINGS[args.painting]
    style_path = common.painting(args.painting, os.path.join(args.work, "data", "paintings"))
    style_rgb = common.read_rgb(style_path, args.style_side)
    style = style_eval.to_t(style_rgb)
    split = common.photo_split(args.work)
    train_paths, eval_paths = split["train"], split["dev" if args.dev else "eval"]
    if args.smoke:
        train_paths, eval_paths = train_paths[:6], eval_paths[:3]
    tag = f"style_{args.painting}" + ("_smoke" if args.smoke else "") + args.tag
    ckpt = os.path.join(args.work, tag + ".pt")
    eval_painting = common.read_rgb(style_path, args.eval_side)
    if args.figure_only:
        figure(load_checkpoint(ckpt), eval_painting, eval_paths, os.path.join(args.out, "styled.png"))
        return
    if args.card_only:
        with open(os.path.join(args.work, tag + ".metrics.json")) as f:
            s = json.load(f)
        for k in ("seed", "steps", "batch"):
            setattr(args, k, s[k])
        for k, v in s["weights"].items():
            setattr(args, {"style": "style_weight", "content": "content_weight", "hf": "hf_weight",
                           "bright": "bright_weight", "tv": "tv_weight", "half": "half_weight"}[k], v)
        for k, v in s.get("settings", {}).items():
            setattr(args, k, v)
        write_card(args.out, args, info, s, s["onnx"], s["parameters"], s["train_minutes"], s["total_minutes"],
                   split, s.get("argv"))
        return
    photos = [(common.read_rgb(p, 512) * 255).astype(np.uint8) for p in train_paths]
    common.log(f"{len(photos)} training photos; style {style_path} {tuple(style.shape)}")
    if args.from_checkpoint:
        ck = torch.load(ckpt)
        net, train_min = network_of(ck), ck["train_minutes"]
        args.head_photo = "yes" if ck["config"].get("head_photo", True) else "no"  # as trained, for the card
        net.palette.max_lift = args.max_lift  # no weights: a setting of the stage, as chosen now
    else:
        net, train_min = train(args, photos, style)
        torch.save({"config": {"ch": args.width, "blocks": args.blocks, "max_lift": args.max_lift,
                               "head_photo": args.head_photo == "yes"}, "palette": True, "state": net.state_dict(),
                    "train_minutes": train_min}, ckpt)
    s, rows = style_eval.evaluate(style_eval.stylise_torch(net), eval_painting, eval_paths, args.eval_side)
    common.log("metrics", s)
    if args.dev:
        figure(net, eval_painting, eval_paths, os.path.join(args.out, "styled.png"))
        common.write_json(os.path.join(args.work, tag + "_dev.metrics.json"), {"summary": s, "per_photo": rows, "args": vars(args)})
        return
    sig = export(net, args.out)
    figure(net, eval_painting, eval_paths, os.path.join(args.out, "styled.png"))
    common.write_manifest(os.path.join(args.out, "genserve.yaml"), manifest(info))
    params = common.param_count(net)
    # From a checkpoint, this run only evaluates and exports: the whole script is that plus the training.
    total_min = total.minutes() + (train_min if args.from_checkpoint else 0)
    write_card(args.out, args, info, s, sig, params, train_min, total_min, split)
    s.update({"seed": args.seed, "steps": args.steps, "batch": args.batch, "train_minutes": round(train_min, 2),
              "total_minutes": round(total_min, 2), "parameters": params, "onnx": sig, "per_photo": rows,
              "smoke": args.smoke, "env": common.env_info(), "argv": training_argv(),
              "settings": {k: getattr(args, k) for k in ("crop", "width", "blocks", "lr", "style_side", "threads", "max_lift")},
              "weights": {
                  "style": args.style_weight, "content": args.content_weight, "hf": args.hf_weight,
                  "bright": args.bright_weight, "tv": args.tv_weight, "half": args.half_weight}})
    common.write_json(os.path.join(args.work, tag + ".metrics.json"), s)
    common.exit_on_bars(s["meets_bars"], args.smoke, s["bars"])


if __name__ == "__main__":
    main()
