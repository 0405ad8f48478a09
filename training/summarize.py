#!/usr/bin/python3
"""Writes the results table of training/README.md (between the RESULTS markers) from the metrics
JSON files that the training scripts leave in training/work/.

    /usr/bin/python3 training/summarize.py
"""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")


def load(name):
    p = os.path.join(WORK, name + ".metrics.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def rows():
    out = ["| model | metric | measured | bar | train min | script min | threads |", "|---|---|---|---|---|---|---|"]
    g = load("fashion-gan")
    if g:
        t = (f"{g['train_minutes']:.1f}", f"{g['total_minutes']:.1f}", g["env"]["threads"])
        out.append(f"| fashion-gan | classifier accuracy, real test | {g['classifier_test_accuracy']:.2%} | >= 90% | {t[0]} | {t[1]} | {t[2]} |")
        out.append(f"| | generated assigned to conditioned class (1,000) | {g['generated_conditioned_accuracy']:.2%} | >= 80% | | | |")
        out.append(f"| | Fréchet (classifier features), generated vs test / train vs test floor | "
                   f"{g['frechet_generated_vs_test']:.2f} / {g['frechet_train_vs_test_floor']:.2f} | report | | | |")
    p = load("photo-inpaint")
    if p:
        out.append(f"| photo-inpaint | hole L1, network vs Telea ({p['eval_crops']} crops) | {p['network']['hole_l1']:.4f} vs "
                   f"{p['telea']['hole_l1']:.4f} | lower | {p['train_minutes']:.1f} | {p['total_minutes']:.1f} | {p['env']['threads']} |")
        out.append(f"| | hole PSNR dB, network vs Telea | {p['network']['hole_psnr_db']:.2f} vs {p['telea']['hole_psnr_db']:.2f} | higher | | | |")
    for name in sorted(os.listdir(WORK)) if os.path.isdir(WORK) else []:
        m = re.fullmatch(r"style_(.+)\.metrics\.json", name)
        if not m or m.group(1).endswith("_smoke"):
            continue
        s = load(name[:-len(".metrics.json")])
        out.append(f"| style-{m.group(1)} | Gram distance to painting, loss net, before -> after | {s['loss_net_before']:.3f} -> "
                   f"{s['loss_net_after']:.3f} | lower after | {s['train_minutes']:.1f} | {s['total_minutes']:.1f} | {s['env']['threads']} |")
        out.append(f"| | same, independent probe net | {s['probe_net_before']:.3f} -> {s['probe_net_after']:.3f} | lower after | | | |")
        out.append(f"| | SSIM luminance, styled vs photo | {s['ssim_luminance']:.3f} | report | | | |")
    return "\n".join(out)


def main():
    path = os.path.join(HERE, "README.md")
    with open(path) as f:
        text = f.read()
    table = "<!-- RESULTS:BEGIN (training/summarize.py) -->\n" + rows() + "\n<!-- RESULTS:END -->"
    text = re.sub(r"<!-- RESULTS:BEGIN.*?<!-- RESULTS:END -->", lambda _: table, text, flags=re.S)
    with open(path, "w") as f:
        f.write(text)
    print(table)


if __name__ == "__main__":
    main()
