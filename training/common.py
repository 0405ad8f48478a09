"""Shared helpers for the Genserve training scripts: seeding, data loading, ONNX export,
manifest/card writing and small image utilities.

Everything runs on the CPU with Debian's system Python (/usr/bin/python3) and Debian's
python3-torch; no network access is needed once the Debian packages in run_all.sh are installed.
"""
import gzip
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle boot"]
OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"

MAX_ONNX_BYTES = 10 * 1024 * 1024


# --------------------------------------------------------------------------- seeding / threads
def setup(seed, threads=2):
    """Seed python, numpy and torch and pin torch to `threads` CPU threads (the box has 2 cores)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    global _INTEROP_SET
    if not _INTEROP_SET:  # may be set once per process, before any parallel work
        torch.set_num_interop_threads(1)
        _INTEROP_SET = True


_INTEROP_SET = False


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# --------------------------------------------------------------------------- Fashion-MNIST
def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(split):
    """Returns (images uint8 [N,28,28], labels int64 [N]) for split 'train' or 'test'."""
    prefix = "train" if split == "train" else "t10k"
    x = _read_idx(os.path.join(FASHION_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    y = _read_idx(os.path.join(FASHION_DIR, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return x, y


# --------------------------------------------------------------------------- photographs
# Two disjoint photo sets. Both are colour photographs (or photo-like renderings) shipped by
# Debian packages; neither is used for both training and evaluation of the same model.
#
# Set A ("opencv"): natural photographs from opencv-doc's example data.
OPENCV_PHOTOS = [
    "HappyFish.jpg", "aero1.jpg", "aero3.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg",
    "building.jpg", "butterfly.jpg", "fruits.jpg", "home.jpg", "leuvenA.jpg", "messi5.jpg",
    "orange.jpg", "squirrel_cls.jpg", "stuff.jpg", "graf1.png", "rubberwhale1.png", "smarties.png",
    "chicky_512.png", "board.jpg", "ela_original.jpg", "licenseplate_motion.jpg",
]  # colour photographs only; near-duplicates (leuvenB, graf3) and grey images left out
OPENCV_EXTRA = [
    "/usr/share/doc/opencv-doc/examples/hfs/data/000.jpg",
    "/usr/share/doc/opencv-doc/examples/hfs/data/001.jpg",
    "/usr/share/doc/opencv-doc/examples/hfs/data/002.jpg",
    "/usr/share/doc/opencv-doc/examples/alphamat/input_images/plant.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext01.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext02.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext03.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext04.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext05.jpg",
    "/usr/share/doc/opencv-doc/examples/text/scenetext06.jpg",
]


def painting(name, cache_dir):
    """Path of a public-domain painting by short name. starry-night: opencv-doc's
    starry_night.jpg; others: full paintings from gcompris-qt-data's "details" bundle, whose
    README marks them public domain."""
    if name == "starry-night":
        return os.path.join(OPENCV_DATA, "starry_night.jpg")
    import extract_rcc
    want = PAINTINGS[name]["file"]
    dest = os.path.join(cache_dir, want)
    if not os.path.exists(dest):
        for n, blob in extract_rcc.entries(os.path.join(GCOMPRIS_RCC, "details.rcc")):
            if n.endswith("/" + want):
                os.makedirs(cache_dir, exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(blob)
                break
        else:
            raise FileNotFoundError(want)
    return dest


PAINTINGS = {
    "starry-night": {"title": "The Starry Night", "artist": "Vincent van Gogh", "year": 1889,
                     "file": "starry_night.jpg",
                     "source": "Debian package opencv-doc, /usr/share/doc/opencv-doc/examples/data/starry_night.jpg",
                     "licence": "public domain (painted 1889; the artist died in 1890)",
                     # per-painting training settings (style_transfer.py defaults), compared on
                     # the dev photos (style_transfer.py --dev)
                     "train": {"style_weight": 10.0, "content_weight": 8.0, "hf_weight": 2.0, "style_side": 512, "max_lift": 8.0,
                               "head_photo": "yes"}},
    "night-cafe": {"title": "The Night Café", "artist": "Vincent van Gogh", "year": 1888,
                   "file": "Van_Gogh_The_Night_Cafe_background.webp",
                   "source": "Debian package gcompris-qt-data, /usr/share/gcompris-qt/rcc/details.rcc "
                             "(activities/details/resource/image/Van_Gogh_The_Night_Cafe_background.webp)",
                   "licence": "public domain (painted 1888; the artist died in 1890); the bundle's README "
                              "says \"based on an original painting by Van Gogh, Public domain image\"",
                   # style weight 20 with the palette stage: on the 12 dev photos 10 closer than the control
                   # (10 gave 8) and luminance SSIM 0.83 (0.85), 2026-12-06; style 30 gave 7 and 0.827,
                   # detail (hf) weight 1.0 gave 8 and 0.835, layout (content) weight 4 gave 7 and 0.803;
                   # a head that does not see the photo (head_photo "no") gave 10 and 0.72, chosen, 2026-12-07
                   "train": {"style_weight": 20.0, "content_weight": 8.0, "hf_weight": 2.0, "style_side": 512, "max_lift": 8.0,
                             "head_photo": "no"}},
}


def opencv_photos():
    paths = [os.path.join(OPENCV_DATA, n) for n in OPENCV_PHOTOS] + OPENCV_EXTRA
    return [p for p in paths if os.path.exists(p)]


# Set B ("gcompris"): photographs from Wikimedia Commons shipped inside gcompris-qt-data's Qt
# resource bundles (each bundle's README gives author, source and licence per file: public domain,
# CC0-1.0, CC-BY-2.0/3.0 or CC-BY-SA-4.0). Only these three bundles are used: they hold photographs
# only (no drawings, no paintings).
GCOMPRIS_RCC = "/usr/share/gcompris-qt/rcc"
GCOMPRIS_BUNDLES = ["explore_monuments", "erase", "explore_world_animals"]


def gcompris_photos(cache_dir, bundles=GCOMPRIS_BUNDLES, min_side=256):
    """Extracts the photographs (.webp/.jpg, colour, shorter side >= min_side) of the gcompris
    bundles into cache_dir once and returns their paths (sorted). Also writes
    cache_dir/LICENCES.txt: per-file licence lines parsed from the bundles' READMEs."""
    import cv2
    import extract_rcc
    stamp = os.path.join(cache_dir, "photos.txt")
    if os.path.exists(stamp):
        with open(stamp) as f:
            return [l.strip() for l in f if l.strip()]
    paths, licences = [], []
    for b in bundles:
        readme = {}
        blobs = []
        for name, blob in extract_rcc.entries(os.path.join(GCOMPRIS_RCC, b + ".rcc")):
            if name.endswith("README"):
                readme.update(_parse_gcompris_readme(blob.decode("utf-8", "replace")))
            elif name.lower().endswith((".webp", ".jpg", ".jpeg")):
                blobs.append((name, blob))
        for name, blob in sorted(blobs):
            im = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)
            if im is None or im.ndim != 3 or im.shape[2] != 3 or min(im.shape[:2]) < min_side:
                continue
            rel = name.split("/resource/", 1)[-1]
            dest = os.path.join(cache_dir, b, rel.replace("/", "_"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(blob)
            paths.append(dest)
            lic = readme.get(rel) or readme.get(rel.split("/", 1)[-1]) or readme.get(os.path.basename(rel), "see bundle README")
            licences.append(f"{b}/{rel}\t{lic}")
    with open(os.path.join(cache_dir, "LICENCES.txt"), "w") as f:
        f.write("\n".join(licences) + "\n")
    with open(stamp, "w") as f:
        f.write("\n".join(paths) + "\n")
    return paths


# Set C ("plasma"): the photographs among KDE's wallpapers (Debian plasma-workspace-wallpapers;
# each wallpaper's metadata.json names its photographer, licence LGPLv3). The others in the
# package are renderings and drawings, left out. Used at their 2560x1600 version.
PLASMA_DIR = "/usr/share/wallpapers"
PLASMA_PHOTOS = ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
                 "Grey", "Kite", "OneStandsOut", "Path", "summer_1am"]


def plasma_photos():
    paths = [os.path.join(PLASMA_DIR, n, "contents", "images", "2560x1600.jpg") for n in PLASMA_PHOTOS]
    return [p for p in paths if os.path.exists(p)]


def photo_split(work):
    """The photo sets of the models trained on photographs, strictly disjoint:
    train = gcompris-qt-data photos except every 8th + plasma-workspace-wallpapers photos;
    dev = every 8th gcompris photo (held out from training; used to compare training settings);
    eval = opencv-doc photos (held out from training AND from choosing settings; the numbers in
    the cards). Returns {"train": [...], "dev": [...], "eval": [...]}."""
    g = gcompris_photos(os.path.join(work, "data", "gcompris"))
    split = {"train": [p for i, p in enumerate(g) if i % 8 != 7] + plasma_photos(),
             "dev": [p for i, p in enumerate(g) if i % 8 == 7],
             "eval": opencv_photos()}
    names = [set(map(os.path.basename, v)) for v in split.values()]
    assert not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2]), "photo sets overlap"
    return split


PHOTO_SETS_MD = """| set | photographs | Debian package | licence |
|---|---|---|---|
| train | {n_train}: Wikimedia Commons photographs (gcompris bundles explore_monuments, erase, explore_world_animals, all but every 8th) + {n_plasma} KDE wallpaper photographs ({plasma}, 2560x1600 versions) | `gcompris-qt-data`, `plasma-workspace-wallpapers` | per file public domain / CC0-1.0 / CC-BY-2.0/3.0 / CC-BY-SA-4.0 (list: `training/work/data/gcompris/LICENCES.txt`); wallpapers LGPLv3 (each `metadata.json`) |
| dev | {n_dev}: every 8th gcompris photograph | `gcompris-qt-data` | as above |
| eval (held out) | {n_eval}: opencv-doc sample photographs (`examples/data`, `hfs`, `alphamat`, `text`) | `opencv-doc` | distributed with OpenCV (Apache-2.0 / BSD-3-Clause); provenance of individual photos varies |

Train, dev and eval share no photograph (`common.photo_split` asserts it). Training settings were
compared on the dev set; the eval set gives the numbers below and the figure and was not used to
choose anything."""


def photo_sets_md(split):
    return PHOTO_SETS_MD.format(n_train=len(split["train"]), n_plasma=len(plasma_photos()),
                                plasma=", ".join(PLASMA_PHOTOS), n_dev=len(split["dev"]), n_eval=len(split["eval"]))


def _parse_gcompris_readme(text):
    """README blocks (blank-line separated) with Copyright/License/Source and a Files list."""
    out = {}
    for block in text.split("\n\n"):
        meta, files, in_files = {}, [], False
        for line in block.splitlines():
            if line.startswith("Files:"):
                in_files = True
                rest = line[6:].strip()
                if rest:
                    files.append(rest)
            elif in_files and line.startswith((" ", "\t")) or (in_files and ":" not in line and line.strip()):
                files.append(line.strip())
            elif ":" in line:
                k, v = line.split(":", 1)
                meta[k.strip().lower()] = v.strip()
                in_files = False
        desc = f"{meta.get('license', '?')}; {meta.get('copyright', '?')}; {meta.get('source', '')}".strip("; ")
        for f in files:
            out[f] = desc
    return out


def read_rgb(path, max_side=None):
    """Reads an image as float32 RGB HWC in [0,1]; optionally downsizes so the longer side <= max_side."""
    import cv2
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(f"cannot read {path}")
    im = cv2.cvtColor(im, cv2.COLOR_BGR2RGB)
    if max_side is not None and max(im.shape[:2]) > max_side:
        s = max_side / max(im.shape[:2])
        im = cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_AREA)
    return im.astype(np.float32) / 255.0


def read_rgb_array(im, max_side):
    """Downsizes a float RGB HWC image (area) so its longer side <= max_side."""
    import cv2
    if max(im.shape[:2]) <= max_side:
        return im
    s = max_side / max(im.shape[:2])
    return cv2.resize(im, (round(im.shape[1] * s), round(im.shape[0] * s)), interpolation=cv2.INTER_AREA)


def save_rgb(path, im, palette=False):
    """Writes float RGB HWC [0,1] (or uint8) as PNG with maximum compression; palette=True
    stores a 256-colour adaptive palette instead (about a third of the size, for figures)."""
    import cv2
    if im.dtype != np.uint8:
        im = (np.clip(im, 0, 1) * 255 + 0.5).astype(np.uint8)
    if palette and im.ndim == 3:
        from PIL import Image
        Image.fromarray(np.ascontiguousarray(im)).quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        return
    if im.ndim == 3:
        im = cv2.cvtColor(im, cv2.COLOR_RGB2BGR)
    cv2.imwrite(path, im, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def put_label(im_u8, text, org=(4, 14), scale=0.45):
    """Draws white text with a black outline onto a uint8 RGB image (in place)."""
    import cv2
    cv2.putText(im_u8, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(im_u8, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return im_u8


def random_crop(rng, im, size):
    h, w = im.shape[:2]
    y = rng.integers(0, h - size + 1)
    x = rng.integers(0, w - size + 1)
    return im[y:y + size, x:x + size]


def photo_crops(rng, photos, per_photo, size):
    """per_photo random size x size crops of each (name, image) in photos, drawn from rng in
    order (evaluation sets: fixed by the caller's seed); returns (crops, names)."""
    crops, names = [], []
    for name, im in photos:
        for _ in range(per_photo):
            crops.append(random_crop(rng, im, size))
            names.append(name)
    return crops, names


# --------------------------------------------------------------------------- metrics
def psnr(a, b, mask=None):
    """PSNR in dB for images in [0,1]; restricted to mask>0.5 pixels when a mask is given."""
    d = (a - b) ** 2
    if mask is not None:
        m = np.broadcast_to(mask > 0.5, d.shape)
        mse = d[m].mean()
    else:
        mse = d.mean()
    return float(10 * np.log10(1.0 / max(mse, 1e-12)))


def ssim(a, b):
    """SSIM of two single-channel float images in [0,1] (Gaussian window 11, sigma 1.5)."""
    import cv2
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5)
    mu_a, mu_b = blur(a), blur(b)
    saa = blur(a * a) - mu_a ** 2
    sbb = blur(b * b) - mu_b ** 2
    sab = blur(a * b) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return float(m[5:-5, 5:-5].mean())


def luminance(rgb):
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


# --------------------------------------------------------------------------- export
def export_onnx(model, example_inputs, path, input_names, output_names, dynamic_axes, opset=13,
                test_inputs=()):
    """Exports `model` with torch.onnx.export, then checks the file with onnx.checker and
    symbolic shape inference, and asserts that it stays below 10 MB. `test_inputs` is a list of
    input tuples at other sizes: the torch model must run on them (the traced graph has no
    size-specific constants as long as the forward is written with dynamic shapes)."""
    import onnx
    model = model.eval()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, example_inputs, path, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes,
                          opset_version=opset, do_constant_folding=True)
        for t in test_inputs:
            model(*t)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    size = os.path.getsize(path)
    assert size <= MAX_ONNX_BYTES, f"{path} is {size} bytes (> 10 MB)"

    def dims(vi):
        return [d.dim_param or d.dim_value for d in vi.type.tensor_type.shape.dim]

    # sha256: training/summarize.py takes a metrics file only for the file that models/ now holds
    sig = {"inputs": {i.name: dims(i) for i in inferred.graph.input},
           "outputs": {o.name: dims(o) for o in inferred.graph.output},
           "opset": m.opset_import[0].version, "bytes": size, "sha256": file_sha256(path)}
    log("exported", path, json.dumps(sig))
    return sig


def file_sha256(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_onnx_reference(path, feeds):
    """Runs the ONNX file with onnxruntime when it is installed (it is not on the Debian build
    box; Genserve's Java tests load the files with ORT instead). Returns None when unavailable."""
    try:
        import onnxruntime as ort  # noqa: F401
    except ImportError:
        return None
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def write_manifest(path, manifest):
    import yaml
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Genserve model manifest; format: docs/manifest.md. Written by training/.\n")
        yaml.safe_dump(manifest, f, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True)
    with open(path, encoding="utf-8") as f:
        assert yaml.safe_load(f) == manifest


def write_card(out, text, smoke):
    """Writes the model card README.md; a smoke build says so first, its metrics being meaningless."""
    if smoke:
        text = "> SMOKE-TEST BUILD: a few training steps only; metrics are meaningless.\n\n" + text
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(text)


def exit_on_bars(ok, smoke, detail=""):
    """Logs the verdict; a full (non-smoke) run that misses its bars exits with status 2 (after
    exporting the model and its card), which run_all.sh reports at its end."""
    if smoke:
        return
    log("QUALITY BARS", "PASS" if ok else "FAIL", detail)
    if not ok:
        sys.exit(2)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def env_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "threads": torch.get_num_threads(), "cpu": cpu}


def git_rev():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"],
                                       stderr=subprocess.DEVNULL, text=True).strip()
    except Exception:
        return "uncommitted"


class Timer:
    def __init__(self):
        self.t0 = time.time()

    def minutes(self):
        return (time.time() - self.t0) / 60.0
