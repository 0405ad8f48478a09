#!/usr/bin/env python3
"""A Genserve client in Python with the `requests` library only (Debian: python3-requests).

Use the functions in your own code, or run the file to call every endpoint once:

    python3 examples/python/genserve_client.py --url http://localhost:8080 --out out \
        --photo src/test/resources/fixtures/photo-301x203.png \
        --mask src/test/resources/fixtures/mask-301x203.png

Every error the service answers is RFC 9457 problem+json; GenserveError carries its fields.
"""
import argparse
import base64
import os
import sys

import requests


class GenserveError(Exception):
    """A 4xx/5xx answer: status, title, detail (what is wrong), field or model (what it is about)."""

    def __init__(self, response):
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        self.status = response.status_code
        self.title = problem.get("title", response.reason)
        self.detail = problem.get("detail", response.text[:200])
        self.field = problem.get("field")
        self.model = problem.get("model")
        self.retry_after = response.headers.get("Retry-After")
        super().__init__(f"{self.status} {self.title}: {self.detail}")


class Genserve:
    def __init__(self, url="http://localhost:8080", timeout=60):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()

    def _call(self, method, path, **kwargs):
        response = self.http.request(method, self.url + path, timeout=self.timeout, **kwargs)
        if not response.ok:
            raise GenserveError(response)
        return response

    # -- GET /models
    def models(self):
        """{'models': [...], 'styles': [...], 'defaultGenerator': ...}"""
        return self._call("GET", "/models").json()

    def model(self, name):
        """One model with its model card."""
        return self._call("GET", f"/models/{name}").json()

    # -- POST /generate
    def generate(self, label=None, seed=None, model=None, truncation=None, fmt="png"):
        """One image: (bytes, seed, label). The same seed gives the same bytes."""
        body = _fields(model=model, label=label, seed=seed, truncation=truncation, format=fmt)
        r = self._call("POST", "/generate", json=body, headers={"Accept": f"image/{fmt}"})
        return r.content, int(r.headers["Genserve-Seed"]), r.headers.get("Genserve-Label")

    def generate_many(self, count, label=None, seed=None, model=None, prompt=None, truncation=None):
        """Several images as JSON: a list of dicts with seed, label, width, height and the PNG bytes."""
        body = _fields(model=model, count=count, label=label, seed=seed, prompt=prompt, truncation=truncation)
        answer = self._call("POST", "/generate", json=body, headers={"Accept": "application/json"}).json()
        for image in answer["images"]:
            image["bytes"] = base64.b64decode(image.pop("data"))
        return answer["images"]

    # -- POST /inpaint
    def inpaint(self, image, mask, model=None, invert_mask=False):
        """Multipart upload of two files (paths or bytes); returns the PNG. White mask pixels are holes."""
        files = {"image": ("image.png", _read(image)), "mask": ("mask.png", _read(mask))}
        data = _fields(model=model, invertMask="true" if invert_mask else None)
        return self._call("POST", "/inpaint", files=files, data=data, headers={"Accept": "image/png"}).content

    def inpaint_json(self, image, mask, model=None):
        """The same as JSON with base64 images; returns the PNG bytes of the answer's image."""
        body = _fields(image=_base64(image), mask=_base64(mask), model=model)
        answer = self._call("POST", "/inpaint", json=body, headers={"Accept": "application/json"}).json()
        return base64.b64decode(answer["image"]["data"])

    # -- POST /style-transfer
    def style_transfer(self, image, style, strength=1.0):
        """The image in a style listed under `styles` of /models; strength 0..1 blends with the original."""
        files = {"image": ("image.png", _read(image))}
        data = {"style": style, "strength": str(strength)}
        return self._call("POST", "/style-transfer", files=files, data=data, headers={"Accept": "image/png"}).content

    # -- POST /upscale (when /models lists a model whose task is upscale)
    def upscale(self, image, model, outscale=None):
        files = {"image": ("image.png", _read(image))}
        data = _fields(model=model, outscale=None if outscale is None else str(outscale))
        return self._call("POST", "/upscale", files=files, data=data, headers={"Accept": "image/png"}).content


def _fields(**kwargs):
    return {k: v for k, v in kwargs.items() if v is not None}


def _read(file):
    if isinstance(file, (bytes, bytearray)):
        return bytes(file)
    with open(file, "rb") as f:
        return f.read()


def _base64(file):
    return base64.b64encode(_read(file)).decode("ascii")


def _png_size(png):
    """Width and height from a PNG's IHDR chunk (no imaging library needed)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _save(out, name, data):
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def main():
    parser = argparse.ArgumentParser(description="Calls every Genserve endpoint once and saves the images.")
    parser.add_argument("--url", default="http://localhost:8080")
    parser.add_argument("--out", default="out", help="folder for the images")
    parser.add_argument("--photo", required=True, help="a photo for /inpaint, /style-transfer and /upscale")
    parser.add_argument("--mask", required=True, help="a mask of the photo's size, white = hole")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    g = Genserve(args.url)

    listing = g.models()
    ready = [m for m in listing["models"] if m["state"] == "ready"]
    print("models: " + ", ".join(f"{m['name']} ({m.get('task')}, {m['state']})" for m in listing["models"]))

    generator = listing["defaultGenerator"]
    classes = next((m.get("classes") or [] for m in ready if m["name"] == generator), [])
    label = classes[-1] if classes else None
    png, seed, got = g.generate(label=label, seed=42)
    path = _save(args.out, "generate-seed42.png", png)
    print(f"generate: {generator} seed {seed} label {got} -> {path} {_png_size(png)[0]}x{_png_size(png)[1]}")

    images = g.generate_many(4, label=label, seed=7)
    for image in images:
        _save(args.out, f"generate-seed{image['seed']}.png", image["bytes"])
    print("generate x4: seeds " + " ".join(str(i["seed"]) for i in images)
          + f" -> {args.out}/generate-seed7.png ...")

    inpainter = next((m["name"] for m in ready if m["task"] == "inpaint"), None)
    if inpainter:
        png = g.inpaint(args.photo, args.mask, model=inpainter)
        path = _save(args.out, "inpaint.png", png)
        print(f"inpaint (multipart): {inpainter} -> {path} {_png_size(png)[0]}x{_png_size(png)[1]}")
        png = g.inpaint_json(args.photo, args.mask, model=inpainter)
        path = _save(args.out, "inpaint-json.png", png)
        print(f"inpaint (json): {inpainter} -> {path} {_png_size(png)[0]}x{_png_size(png)[1]}")

    for style in listing["styles"][:1]:
        png = g.style_transfer(args.photo, style, strength=0.8)
        path = _save(args.out, f"style-{style}.png", png)
        print(f"style-transfer: {style} strength 0.8 -> {path} {_png_size(png)[0]}x{_png_size(png)[1]}")

    upscaler = next((m["name"] for m in ready if m["task"] == "upscale"), None)
    if upscaler:
        png = g.upscale(args.photo, upscaler)
        path = _save(args.out, "upscale.png", png)
        print(f"upscale: {upscaler} -> {path} {_png_size(png)[0]}x{_png_size(png)[1]}")
    else:
        print("upscale: skipped, no model for it is listed")

    try:
        g.generate_many(0)
    except GenserveError as e:
        print(f"error: {e.status} {e.detail} (field {e.field})")


if __name__ == "__main__":
    try:
        main()
    except (GenserveError, requests.RequestException) as e:
        print(f"failed: {e}", file=sys.stderr)
        sys.exit(1)
