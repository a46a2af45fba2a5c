#!/usr/bin/env python3
"""Regenerates the binary fixtures of harness/dataset (NPY, NPZ, IDX).

Run from this folder with the Debian numpy (1.24):  /usr/bin/python3 gen_fixtures.py
The values are simple formulas so the Go tests can recompute them:
every array is np.arange(n).reshape(shape) scaled as noted below.
"""
import gzip
import io
import struct
import zipfile

import numpy as np
from numpy.lib import format as npf


def save(name, arr, version=None):
    with open(name, "wb") as f:
        npf.write_array(f, arr, version=version, allow_pickle=False)


# One file per supported dtype: np.arange(6).reshape(3, 2) cast to the dtype
# (b1: [[F,T],[T,T],[T,T]]). Both byte orders for the multi-byte ones.
for dt in ["<f4", "<f8", "<i8", "<i4", "|u1", "|b1", ">f4", ">f8", ">i8", ">i4",
           "|i1", "<i2", "<u2", "<u4", "<u8"]:
    name = "dt_" + dt.replace("<", "le_").replace(">", "be_").replace("|", "") + ".npy"
    save(name, np.arange(6).reshape(3, 2).astype(dt))

# 3-D float32 images: x[i, h, w] = (i*6 + h*3 + w) / 4, shape (4, 2, 3).
img = (np.arange(24, dtype=np.float32) / 4).reshape(4, 2, 3)
save("images_f4.npy", img)
# Header versions 2.0 and 3.0 of the same array.
save("images_v2.npy", img, version=(2, 0))
save("images_v3.npy", img, version=(3, 0))
# 1-D labels: [0, 1, 2, 1] as int64.
save("labels_i8.npy", np.array([0, 1, 2, 1], dtype="<i8"))
# Fortran-ordered 2-D array (rejected).
save("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)))
# Truncated: (4, 3) float32 with the last 5 bytes cut, so row 3 is short.
buf = io.BytesIO()
npf.write_array(buf, np.zeros((4, 3), dtype="<f4"))
with open("truncated.npy", "wb") as f:
    f.write(buf.getvalue()[:-5])
# Unsupported dtype (unicode strings).
save("unicode.npy", np.array(["a", "bc"]))

# NPZ: stored and deflated archives with x (4,2,3) float32 and y (4,) int64.
np.savez("data.npz", x=img, y=np.array([0, 1, 2, 1], dtype="<i8"))
np.savez_compressed("data_deflated.npz", x=img, y=np.array([0, 1, 2, 1], dtype="<i8"))
# Unequal first dimensions.
np.savez("mismatch.npz", x=img, y=np.array([0, 1, 2], dtype="<i8"))
# A non-.npy entry.
with zipfile.ZipFile("notnpy.npz", "w") as z:
    z.writestr("readme.txt", "hello")


# IDX, written by hand with struct (big-endian): 3 images of 2x2 u8 with
# pixel (i, h, w) = 10*i + 2*h + w, and labels [7, 0, 9].
def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


images = idx(0x08, [3, 2, 2], bytes(10 * i + 2 * h + w for i in range(3) for h in range(2) for w in range(2)))
labels = idx(0x08, [3], bytes([7, 0, 9]))
labels4 = idx(0x08, [4], bytes([7, 0, 9, 1]))
floats = idx(0x0D, [2, 2], struct.pack(">4f", 0.5, -1.5, 2.25, 1e-3))
for name, data in [("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels),
                   ("labels4-idx1-ubyte", labels4), ("floats-idx2-f32", floats)]:
    with open(name, "wb") as f:
        f.write(data)
    with gzip.GzipFile(name + ".gz", "wb", mtime=0) as f:
        f.write(data)
# Truncated gzip stream: the compressed images with the last 12 bytes cut.
with open("images-idx3-ubyte.gz", "rb") as f:
    gz = f.read()
with open("truncated-idx3-ubyte.gz", "wb") as f:
    f.write(gz[:-12])
