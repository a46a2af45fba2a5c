#!/usr/bin/python3
"""Writes the image-folder fixtures and the reference tensors of
harness/dataset/image_test.go.

Run from harness/dataset with Debian's python3 and its packages
python3-pil, python3-numpy, python3-torch and python3-torchvision
(apt-get install python3-torchvision):

    /usr/bin/python3 testdata/images/gen.py

The images are seeded noise and gradients (the hardest case for a
resampler). The references are what torchvision's ImageFolder gives with
its default PIL loader and the transforms named below; they are stored as
uint8 NPY arrays [N, H, W, C] (the HWC layout of numpy.asarray(PIL image)),
and one float32 NPY of ToTensor + Normalize for the whole chain.
"""
import os
import shutil

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "folder")
rng = np.random.default_rng(13)


def noise(h, w, c):
    x = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
    # a gradient under the noise, so that resampling errors show in smooth parts too
    g = np.linspace(0, 120, w, dtype=np.float64)[None, :, None]
    return np.clip(x.astype(np.float64) * 0.5 + g, 0, 255).astype(np.uint8)


def build():
    shutil.rmtree(ROOT, ignore_errors=True)
    for d in ("cat/sub", "dog"):
        os.makedirs(os.path.join(ROOT, d))
    Image.fromarray(noise(30, 40, 3), "RGB").save(os.path.join(ROOT, "cat/a.png"))
    Image.fromarray(noise(45, 31, 4), "RGBA").save(os.path.join(ROOT, "cat/b.png"))
    Image.fromarray(noise(33, 33, 1)[:, :, 0], "L").save(os.path.join(ROOT, "cat/sub/c.png"))
    pal = Image.fromarray(noise(50, 28, 3), "RGB").quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    pal.save(os.path.join(ROOT, "dog/d.png"))
    Image.fromarray(noise(32, 40, 3), "RGB").save(os.path.join(ROOT, "dog/e.jpg"), quality=90, subsampling=0)
    Image.fromarray(noise(40, 36, 3), "RGB").save(os.path.join(ROOT, "dog/f.jpeg"), quality=90, subsampling=2)
    with open(os.path.join(ROOT, "dog/notes.txt"), "w") as f:
        f.write("not an image: ImageFolder skips it\n")


def gray_loader(path):
    with open(path, "rb") as f:
        return Image.open(f).convert("L")


VARIANTS = {
    # name: (transform, loader)
    "resize24_crop20": (transforms.Compose([transforms.Resize(24), transforms.CenterCrop(20)]), None),
    "resize18x26_gray": (transforms.Resize((18, 26)), gray_loader),
    "crop36": (transforms.CenterCrop(36), None),
    "resize64_crop56": (transforms.Compose([transforms.Resize(64), transforms.CenterCrop(56)]), None),
}


def main():
    build()
    order = None
    for name, (tf, loader) in VARIANTS.items():
        kw = {"loader": loader} if loader else {}
        ds = torchvision.datasets.ImageFolder(ROOT, transform=tf, **kw)
        arrs = []
        for img, _ in ds:
            a = np.asarray(img, dtype=np.uint8)
            if a.ndim == 2:
                a = a[:, :, None]
            arrs.append(a)
        np.save(os.path.join(HERE, "ref_%s.npy" % name), np.stack(arrs))
        order = [(os.path.relpath(p, ROOT), c) for p, c in ds.samples]
    with open(os.path.join(HERE, "ref_order.txt"), "w") as f:
        for p, c in order:
            f.write("%s %d\n" % (p, c))
    tf = transforms.Compose([
        transforms.Resize(24), transforms.CenterCrop(20), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    ds = torchvision.datasets.ImageFolder(ROOT, transform=tf)
    np.save(os.path.join(HERE, "ref_normalized.npy"), torch.stack([x for x, _ in ds]).numpy().astype(np.float32))
    with open(os.path.join(HERE, "ref_versions.txt"), "w") as f:
        f.write("torchvision %s, torch %s, Pillow %s, numpy %s\n" % (
            torchvision.__version__, torch.__version__, Image.__version__, np.__version__))


if __name__ == "__main__":
    main()
