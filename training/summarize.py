#!/usr/bin/python3
"""Writes the results table of training/README.md (between the RESULTS markers) from the metrics
JSON files that the training scripts leave in training/work/. A model without a metrics file there
(trained in another checkout: training/work/ is not committed) keeps its rows as they are, so
retraining one model rewrites only that model's rows. A metrics file counts only when the ONNX
file it describes is the one in models/ (its sha256): an experiment exported elsewhere, or a model
restored after a failed retrain, leaves the table alone.

    /usr/bin/python3 training/summarize.py
"""
import json
import os
import re
import sys

import common

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
MODELS = os.path.join(os.path.dirname(HERE), "models")


def load(name):
    """The metrics of `name` (its file's name without .metrics.json; style_x is model style-x), or
    None when there is none for the ONNX file that models/ holds now."""
    p = os.path.join(WORK, name + ".metrics.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        m = json.load(f)
    onnx = os.path.join(MODELS, name.replace("_", "-"), "model.onnx")
    served = common.file_sha256(onnx) if os.path.exists(onnx) else None
    if m.get("onnx", {}).get("sha256") != served:
        print(f"skipped {p}: it describes another ONNX file than {onnx}", file=sys.stderr)
        return None
    return m


HEADER = ["| model | metric | measured | bar | train min | script min | threads |", "|---|---|---|---|---|---|---|"]


def rows():
    """The table's lines for the models with a metrics file, header first."""
    out = list(HEADER)
    g = load("fashion-gan")
    if g:
        t = (f"{g['train_minutes']:.1f}", f"{g['total_minutes']:.1f}", g["env"]["threads"])
        pc = g["per_class_accuracy"]
        low = min(pc, key=pc.get)
        sp = g["speckle_ratio_per_class"]
        hi = max(sp, key=sp.get)
        out.append(f"| fashion-gan | classifier accuracy, real test | {g['classifier_test_accuracy']:.2%} | >= 90% | {t[0]} | {t[1]} | {t[2]} |")
        out.append(f"| | generated assigned to conditioned class ({g['generated_samples']:,}) | {g['generated_conditioned_accuracy']:.2%} | >= 88% | | | |")
        out.append(f"| | lowest class | {low} {pc[low]:.1%} | >= 75% | | | |")
        out.append(f"| | near-black (mean < 0.05), generated vs real test | {g['near_black_fraction_generated']:.2%} vs "
                   f"{g['near_black_fraction_real_test']:.2%} | within 2x | | | |")
        out.append(f"| | speckle (Laplacian energy) generated / real, highest class | {hi} {sp[hi]:.2f}x | <= 1.5x | | | |")
        out.append(f"| | Fréchet (classifier features), generated vs test / train vs test floor | "
                   f"{g['frechet_generated_vs_test']:.2f} / {g['frechet_train_vs_test_floor']:.2f} | report | | | |")
    p = load("photo-inpaint")
    if p:
        first = True
        for kind in ("rect", "strokes"):
            k = p[kind]
            t = (f"{p['train_minutes']:.1f}", f"{p['total_minutes']:.1f}", p["env"]["threads"]) if first else ("", "", "")
            first = False
            out.append(f"| {'photo-inpaint' if kind == 'rect' else ''} | {kind} ({p['crops']} crops): hole L1 model / Telea / NS | "
                       f"{k['model']['hole_l1']:.4f} / {k['telea']['hole_l1']:.4f} / {k['navier_stokes']['hole_l1']:.4f} | lowest | {t[0]} | {t[1]} | {t[2]} |")
            out.append(f"| | {kind}: hole PSNR dB model / Telea / NS | {k['model']['hole_psnr']:.2f} / {k['telea']['hole_psnr']:.2f} / "
                       f"{k['navier_stokes']['hole_psnr']:.2f} | highest | | | |")
            out.append(f"| | {kind}: SSIM around hole model / Telea / NS | {k['model']['ssim_around']:.4f} / {k['telea']['ssim_around']:.4f} / "
                       f"{k['navier_stokes']['ssim_around']:.4f} | highest | | | |")
            wr = lambda c: min(k[f"win_rate_vs_{c}"].values())
            out.append(f"| | {kind}: lowest per-crop win rate (of L1, PSNR, SSIM) vs Telea / NS | {wr('telea'):.0%} / {wr('navier_stokes'):.0%} | >= 65% | | | |")
    for name in sorted(os.listdir(WORK)) if os.path.isdir(WORK) else []:
        m = re.fullmatch(r"style_([a-z-]+)\.metrics\.json", name)
        if not m:
            continue
        s = load(name[:-len(".metrics.json")])
        if not s:
            continue
        out.append(f"| style-{m.group(1)} | detail kept: high-frequency luminance energy, output / photo, mean (min) | "
                   f"{s['hf_ratio']:.2f} ({s['hf_ratio_min']:.2f}) | >= 0.60 | {s['train_minutes']:.1f} | {s['total_minutes']:.1f} | {s['env']['threads']} |")
        out.append(f"| | Gram distance to painting, probe nets: model / Lab control; photos where model closer | "
                   f"{s['gram_model']:.3f} / {s['gram_control']:.3f}; {s['beats_control']}/{s['photos']} | >= 7/8 | | | |")
        out.append(f"| | luminance SSIM vs photo, mean (range) | {s['ssim_l']:.2f} ({s['ssim_l_min']:.2f}-{s['ssim_l_max']:.2f}) | 0.4-0.8 | | | |")
        out.append(f"| | dark photos ({s['dark_photos']}): worst mean-luminance change | {s['dark_max_brightening']:+.3f} | <= +0.10 | | | |")
    u = load("photo-upscale")
    if u:
        out.append(f"| photo-upscale | PSNR RGB dB, model vs bicubic ({u['eval_crops']} crops) | {u['model']['psnr_rgb']:.2f} vs "
                   f"{u['bicubic']['psnr_rgb']:.2f} ({u['gain_db_rgb']:+.2f}) | >= +1 dB | {u['train_minutes']:.1f} | {u['total_minutes']:.1f} | {u['env']['threads']} |")
        out.append(f"| | sharpness (Laplacian energy / original's), model vs bicubic | {u['model']['sharpness']:.2f} vs "
                   f"{u['bicubic']['sharpness']:.2f} | sharper | | | |")
    return out


def groups(lines):
    """Table rows by model, in table order: a row whose first cell names a model starts its group."""
    out = {}
    name = None
    for line in lines:
        if not line.startswith("| ") or line in HEADER:
            continue
        first = line.split("|")[1].strip()
        if first:
            name = first
            out[name] = []
        if name:
            out[name].append(line)
    return out


def merged(old_lines, new_lines):
    """The new rows of each model with metrics, the old rows of the others, in the old table's order."""
    old, new = groups(old_lines), groups(new_lines)
    order = list(old) + [n for n in new if n not in old]
    return "\n".join(HEADER + [line for n in order for line in new.get(n, old.get(n))])


def main():
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    found = re.search(r"<!-- RESULTS:BEGIN.*?-->\n(.*?)<!-- RESULTS:END -->", text, flags=re.S)
    if not found:  # no table to rewrite
        return
    table = ("<!-- RESULTS:BEGIN (training/summarize.py) -->\n" + merged(found.group(1).splitlines(), rows())
             + "\n<!-- RESULTS:END -->")
    text = text[:found.start()] + table + text[found.end():]
    with open(path, "w") as f:
        f.write(text)
    print(table)


if __name__ == "__main__":
    main()
