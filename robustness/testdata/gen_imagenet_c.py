#!/usr/bin/python3
"""Expected outputs of the ImageNet-C / CIFAR-10-C corruptions that evalctl
re-implements (robustness/image_c.go), computed independently with the
libraries the reference uses: numpy, scipy.ndimage (zoom, gaussian_filter
through skimage.filters.gaussian, map_coordinates), OpenCV
(getAffineTransform, warpAffine, cvtColor) and ImageMagick through Wand
(MagickMotionBlurImage), following the steps of make_cifar_c.py and
make_imagenet_c.py (Hendrycks & Dietterich 2019, github.com/hendrycks/
robustness, ImageNet-C/create_c/), functions glass_blur, motion_blur,
zoom_blur, snow, fog, elastic_transform, spatter and the helpers
clipped_zoom and plasma_fractal; written from their description, sizes
taken from the image instead of the scripts' fixed 32 or 224.

The random draws are recorded (uniforms U, normals Z, integers I) and
replayed in the same order by the Go test, so both sides see the same
noise. frost is evalctl's documented variant (see image_c.go) and is
computed here by its variant formula.

Run: /usr/bin/python3 robustness/testdata/gen_imagenet_c.py > robustness/testdata/imagenet_c.json
"""
import ctypes
import json
from io import BytesIO

import cv2
import numpy as np
from PIL import Image as PILImage
from scipy.ndimage import map_coordinates
from scipy.ndimage import zoom as scizoom
from skimage.filters import gaussian
from wand.api import library as wandlib
from wand.image import Image as WandImage

wandlib.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double, ctypes.c_double)

TABLES = {
    "cifar10_c": {
        "glass_blur": [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)],
        "motion_blur": [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)],
        "zoom_blur": [np.arange(1, 1.06, 0.01), np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01),
                      np.arange(1, 1.21, 0.01), np.arange(1, 1.26, 0.01)],
        "snow": [(0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
                 (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)],
        "frost": [(1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)],
        "fog": [(.2, 3), (.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)],
        "elastic_transform": [(0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03)],
        "spatter": [(0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0), (0.65, 0.3, 1, 0.69, 0.5, 0),
                    (0.65, 0.1, 0.7, 0.69, 0.6, 1), (0.65, 0.1, 0.5, 0.68, 0.6, 1)],
    },
    "imagenet_c": {
        "glass_blur": [(0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)],
        "motion_blur": [(10, 3), (15, 5), (15, 8), (15, 12), (20, 15)],
        "zoom_blur": [np.arange(1, 1.11, 0.01), np.arange(1, 1.16, 0.01), np.arange(1, 1.21, 0.02),
                      np.arange(1, 1.26, 0.02), np.arange(1, 1.31, 0.03)],
        "snow": [(0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
                 (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)],
        "frost": [(1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)],
        "fog": [(1.5, 2), (2., 2), (2.5, 1.7), (2.5, 1.5), (3., 1.4)],
        # 244·k at 224 px, as fractions of the image size.
        "elastic_transform": [tuple(v * 244 / 224 for v in t) for t in
                              [(2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02), (0.07, 0.01, 0.02), (0.12, 0.01, 0.02)]],
        "spatter": [(0.65, 0.3, 4, 0.69, 0.6, 0), (0.65, 0.3, 3, 0.68, 0.6, 0), (0.65, 0.3, 2, 0.68, 0.5, 0),
                    (0.65, 0.3, 1, 0.65, 1.5, 1), (0.67, 0.4, 1, 0.65, 1.5, 1)],
    },
}


class Replay:
    """Records the draws a corruption makes, for the Go test to replay."""

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)
        self.U, self.Z, self.I = [], [], []

    def uniform(self, low=0.0, high=1.0, size=None):
        u = np.round(self.rs.random_sample(size), 6)  # short in the JSON, replayed exactly
        self.U.extend(np.ravel(u).tolist())
        return low + (high - low) * u

    def normal(self, loc=0.0, scale=1.0, size=None):
        z = np.round(self.rs.standard_normal(size), 6)
        self.Z.extend(np.ravel(z).tolist())
        return loc + scale * z

    def randint(self, low, high, size=None):
        k = self.rs.randint(0, high - low, size)
        self.I.extend(np.ravel(k).tolist())
        return low + k


R = None


def clipped_zoom(img, z):
    h = img.shape[0]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    out = scizoom(img[top:top + ch, top:top + ch], (z, z, 1), order=1)
    trim = (out.shape[0] - h) // 2
    return out[trim:trim + h, trim:trim + h]


def plasma(n, decay):
    m = np.empty((n, n))
    m[0, 0] = 0
    step = n
    wib = [100.0]

    def noisy(a):
        return a / 4 + wib[0] * R.uniform(-wib[0], wib[0], a.shape)

    while step >= 2:
        h = step // 2
        c = m[0:n:step, 0:n:step]
        sq = c + np.roll(c, -1, axis=0)
        sq += np.roll(sq, -1, axis=1)
        m[h:n:step, h:n:step] = noisy(sq)
        d = m[h:n:step, h:n:step]
        c = m[0:n:step, 0:n:step]
        m[0:n:step, h:n:step] = noisy(d + np.roll(d, 1, axis=0) + c + np.roll(c, -1, axis=1))
        m[h:n:step, 0:n:step] = noisy(d + np.roll(d, 1, axis=1) + c + np.roll(c, -1, axis=0))
        step //= 2
        wib[0] /= decay
    m -= m.min()
    return m / m.max()


def magick_motion(u8, radius, sigma, angle):
    """ImageMagick's motion blur of an 8-bit image, as the reference runs it."""
    buf = BytesIO()
    PILImage.fromarray(u8).save(buf, format="PNG")
    w = WandImage(blob=buf.getvalue())
    wandlib.MagickMotionBlurImage(w.wand, radius, sigma, angle)
    return cv2.imdecode(np.frombuffer(w.make_blob(), np.uint8), cv2.IMREAD_UNCHANGED)


def glass_blur(x, c):
    size = x.shape[0]
    x = np.uint8(gaussian(x, sigma=c[0], channel_axis=-1) * 255)
    for _ in range(c[2]):
        for h in range(size - c[1], c[1], -1):
            for w in range(size - c[1], c[1], -1):
                dx, dy = R.randint(-c[1], c[1], size=(2,))
                hp, wp = h + dy, w + dx
                # the reference's tuple assignment of two views: (h, w) takes
                # (hp, wp)'s value, which is left as it is (no true swap)
                x[h, w], x[hp, wp] = x[hp, wp], x[h, w]
    return np.clip(gaussian(x / 255., sigma=c[0], channel_axis=-1), 0, 1)


def motion_blur(x, c):
    out = magick_motion(np.uint8(np.round(x * 255)), c[0], c[1], R.uniform(-45, 45))
    return np.clip(out[..., [2, 1, 0]] / 255., 0, 1)  # BGR to RGB


def zoom_blur(x, zs):
    x = x.astype(np.float32)
    out = np.zeros_like(x)
    for z in zs:
        out += clipped_zoom(x, z)
    return np.clip((x + out) / (len(zs) + 1), 0, 1)


def fog(x, c):
    size = x.shape[0]
    mx = x.max()
    x = x + c[0] * plasma(size, c[1])[:size, :size][..., None]
    return np.clip(x * mx / (mx + c[0]), 0, 1)


def frost(x, c):  # evalctl's variant: procedural frost, decay 1.5
    size = x.shape[0]
    return np.clip(c[0] * x + c[1] * plasma(size, 1.5)[:size, :size][..., None], 0, 1)


def snow(x, c):
    size = x.shape[0]
    x = x.astype(np.float32)
    layer = R.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    layer = clipped_zoom(layer[..., None], c[2])
    layer[layer < c[3]] = 0
    layer = (np.clip(layer.squeeze(), 0, 1) * 255).astype(np.uint8)
    layer = magick_motion(layer, c[4], c[5], R.uniform(-135, -45)) / 255.
    layer = layer[..., None]
    grey = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY).reshape(size, size, 1)
    x = c[6] * x + (1 - c[6]) * np.maximum(x, grey * 1.5 + 0.5)
    return np.clip(x + layer + np.rot90(layer, k=2), 0, 1)


def warp_exact(x, M, dsize, borderMode=None):
    """cv2.warpAffine's inverse map, bilinear in float64 (OpenCV itself
    rounds the weights to 1/32 pixel), reflect-101 border (scipy 'mirror')."""
    h, w = x.shape[:2]
    inv = np.linalg.inv(np.vstack([M.astype(np.float64), [0, 0, 1]]))
    yy, xx = np.mgrid[0:h, 0:w]
    sx = inv[0, 0] * xx + inv[0, 1] * yy + inv[0, 2]
    sy = inv[1, 0] * xx + inv[1, 1] * yy + inv[1, 2]
    return np.stack([map_coordinates(x[..., k].astype(np.float64), [sy, sx], order=1, mode="mirror")
                     for k in range(x.shape[2])], -1).astype(np.float32)


def elastic_transform(x, c, warp=None):
    size = x.shape[0]
    c = tuple(size * v for v in c)
    x = x.astype(np.float32)
    shape = x.shape
    cs = np.float32(shape[:2]) // 2
    sq = min(shape[:2]) // 3
    pts1 = np.float32([cs + sq, [cs[0] + sq, cs[1] - sq], cs - sq])
    pts2 = pts1 + R.uniform(-c[2], c[2], size=pts1.shape).astype(np.float32)
    M = cv2.getAffineTransform(pts1, pts2)
    x = (warp or cv2.warpAffine)(x, M, shape[:2][::-1], borderMode=cv2.BORDER_REFLECT_101)
    dx = (gaussian(R.uniform(-1, 1, size=shape[:2]), c[1], mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dy = (gaussian(R.uniform(-1, 1, size=shape[:2]), c[1], mode="reflect", truncate=3) * c[0]).astype(np.float32)
    dx, dy = dx[..., None], dy[..., None]
    xx, yy, zz = np.meshgrid(np.arange(shape[1]), np.arange(shape[0]), np.arange(shape[2]))
    idx = np.reshape(yy + dy, (-1, 1)), np.reshape(xx + dx, (-1, 1)), np.reshape(zz, (-1, 1))
    return np.clip(map_coordinates(x, idx, order=1, mode="reflect").reshape(shape), 0, 1)


def spatter(x, c):
    x = x.astype(np.float32)
    liquid = R.normal(size=x.shape[:2], loc=c[0], scale=c[1])
    liquid = gaussian(liquid, sigma=c[2])
    liquid[liquid < c[3]] = 0
    if c[5] == 0:  # water: drops shaded by the distance to their Canny edges
        liquid = (liquid * 255).astype(np.uint8)
        dist = 255 - cv2.Canny(liquid, 50, 150)
        dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
        dist = cv2.equalizeHist(dist)
        dist = cv2.filter2D(dist, cv2.CV_8U, np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]))
        dist = cv2.blur(dist, (3, 3)).astype(np.float32)
        m = liquid * dist
        m = m / np.max(m) * c[4]
        colour = np.array([175, 238, 238]) / 255.
        return np.clip(x + m[..., None] * colour, 0, 1)
    m = np.where(liquid > c[3], 1, 0)
    m = gaussian(m.astype(np.float32), sigma=c[4])
    m[m < 0.8] = 0
    colour = np.array([63, 42, 20]) / 255. * m[..., None]
    return np.clip(x * (1 - m[..., None]) + colour, 0, 1)


FUNCS = {"glass_blur": glass_blur, "motion_blur": motion_blur, "zoom_blur": zoom_blur, "snow": snow,
         "frost": frost, "fog": fog, "elastic_transform": elastic_transform, "spatter": spatter}


def chw(a):
    return [round(v, 7) for v in np.transpose(a, (2, 0, 1)).ravel().tolist()]


def main():
    global R
    size = 16
    img = np.random.RandomState(14).randint(0, 256, size=(size, size, 3)).astype(np.float64) / 255.
    cases = []
    seed = 0
    for table, params in TABLES.items():
        for name, fn in FUNCS.items():
            for sev in range(1, 6):
                seed += 1
                R = Replay(seed)
                out = fn(img.copy(), params[name][sev - 1])
                case = {"table": table, "name": name, "severity": sev,
                        "U": R.U, "Z": R.Z, "I": [int(v) for v in R.I],
                        "want": chw(out)}
                if name == "elastic_transform":
                    R = Replay(seed)
                    case["want_float_warp"] = chw(elastic_transform(img.copy(), params[name][sev - 1], warp_exact))
                cases.append(case)
    # spatter's water relief on larger layers, step by step (exact 8-bit).
    relief = []
    for k, (sigma, thr) in enumerate([(1, 0.69), (2, 0.68), (3, 0.66)]):
        rs = np.random.RandomState(100 + k)
        liquid = gaussian(rs.normal(size=(40, 48), loc=0.65, scale=0.3), sigma=sigma)
        liquid[liquid < thr] = 0
        l8 = (liquid * 255).astype(np.uint8)
        edges = cv2.Canny(l8, 50, 150)
        dist = cv2.distanceTransform(255 - edges, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        d8 = cv2.blur(dist, (3, 3)).astype(np.uint8)
        eq = cv2.equalizeHist(d8)
        final = cv2.blur(cv2.filter2D(eq, cv2.CV_8U, np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])), (3, 3))
        relief.append({"h": 40, "w": 48, "layer": l8.ravel().tolist(), "canny": edges.ravel().tolist(),
                       "dist": [round(float(v), 5) for v in dist.ravel()], "d8": d8.ravel().tolist(),
                       "equalized": eq.ravel().tolist(), "relief": final.ravel().tolist()})
    json.dump({"size": size, "image": np.transpose(img, (2, 0, 1)).ravel().tolist(), "cases": cases,
               "water_relief": relief}, __import__("sys").stdout)


if __name__ == "__main__":
    main()
