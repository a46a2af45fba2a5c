#!/usr/bin/env python3
"""make_quickstart.py — build evalctl's bundled quickstart suite data and models.

Regenerate (from the repository root; Debian's python3 with python3-torch 1.13,
python3-numpy and the dataset-fashion-mnist package installed):

    python3 scripts/make_quickstart.py            # or /usr/bin/python3 if another python3 is first on PATH

Inputs : the official Fashion-MNIST IDX files under /usr/share/datasets/fashion-mnist
         (Debian package dataset-fashion-mnist; MIT licence, Zalando Research, Xiao et al. 2017).
         Override the folder with FASHION_MNIST_DIR.
Outputs (all under suites/quickstart/):
  data/test-images-idx3-ubyte.gz, data/test-labels-idx1-ubyte.gz    2,000 t10k images (200 per class)
  data/calib-images-idx3-ubyte.gz, data/calib-labels-idx1-ubyte.gz  1,000 t10k images (100 per class),
                                                                    disjoint from the test subset
  data/indices.json            which t10k rows each subset holds (ascending, so original order is kept)
  models/fmnist-encoder.onnx         base encoder, image -> embedding [batch,128]
  models/fmnist-linear-probe.onnx    frozen encoder + trained linear head, image -> logits [batch,10]
  models/fmnist-finetune.onnx        all weights fine-tuned, image -> logits [batch,10]
  models/fmnist-noise-finetune.onnx  fine-tuned with Gaussian-noise augmentation, image -> logits
  models.json, reference-probs.json, MODELS.md

Story ("adaptations of one base model"): the base encoder is pre-trained by supervised
classification of train images of classes 0-4 only (T-shirt/top, Trouser, Pullover, Dress,
Coat), 3,000 per class. It never sees classes 5-9 (Sandal, Shirt, Sneaker, Bag, Ankle boot).
It is then adapted to the full 10-class task on a limited, class-balanced subset of 2,000 train
images (200 per class) disjoint from the pre-training images, in three ways.

Preprocessing contract (the harness applies it, it is NOT inside the models):
    x = pixel / 255                 (uint8 -> float32 in [0,1])
    x = (x - 0.2860) / 0.3530       (Fashion-MNIST train mean / std)
  tensor `image`, float32, [batch, 1, 28, 28] (NCHW).

Determinism: SEED below, torch.manual_seed, torch.set_num_threads(2),
torch.use_deterministic_algorithms(True), explicit torch.Generator for every shuffle and every
noise draw. On the same machine and torch build a rerun reproduces every byte except the measured
training wall times; another CPU or BLAS build may change low-order float bits of the weights.
Total run time on 2 cores: about 1.5-2 minutes.
"""

import gzip
import hashlib
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

SEED = 20240601
MEAN = 0.2860
STD = 0.3530
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
PRETRAIN_CLASSES = [0, 1, 2, 3, 4]
PRETRAIN_PER_CLASS = 3000
ADAPT_PER_CLASS = 200
TEST_PER_CLASS = 200
CALIB_PER_CLASS = 100
BATCH = 64
PRETRAIN_EPOCHS = 3
PRETRAIN_LR = 1e-3
PROBE_EPOCHS = 60
PROBE_LR = 3e-3
FINETUNE_EPOCHS = 10
FINETUNE_LR = 5e-4
NOISE_SIGMA_MAX = 0.3        # per-example sigma ~ U(0, 0.3) on the [0,1] pixel scale
EVAL_NOISE_SIGMAS = [0.1, 0.2, 0.3]
N_REFERENCE = 50
N_REFERENCE_EMB = 10
OPSET = 13

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "suites", "quickstart")
SRC = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


# ----------------------------------------------------------------------------- IDX I/O

def read_idx(path):
    """Read a (gzipped) IDX file of unsigned bytes into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, found {arr.size} bytes of data")
    return arr.reshape(dims)


def write_idx_gz(path, arr):
    """Write a uint8 array as gzipped IDX with fixed gzip header (mtime 0, no name)."""
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as g:
            g.write(header + arr.tobytes())


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------- models

class Encoder(nn.Module):
    """Conv(1->32,3)-ReLU-MaxPool2-Conv(32->64,3)-ReLU-MaxPool2-Flatten-Linear(1600->128)-ReLU."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc = nn.Linear(64 * 5 * 5, 128)

    def forward(self, image):
        x = F.max_pool2d(F.relu(self.conv1(image)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return F.relu(self.fc(torch.flatten(x, 1)))


class Classifier(nn.Module):
    def __init__(self, encoder, n_classes):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(128, n_classes)

    def forward(self, image):
        return self.head(self.encoder(image))


def n_params(module, trainable_only=False):
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def normalise(u8):
    """uint8 [N,28,28] -> float32 [N,1,28,28], exactly the suite's preprocessing."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).to(torch.float32).unsqueeze(1) / 255.0
    return (x - MEAN) / STD


def add_noise(u8, sigmas, gen):
    """Gaussian noise on the [0,1] pixel scale, clipped to [0,1], then normalised.

    sigmas: tensor [N] (one sigma per example)."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).to(torch.float32).unsqueeze(1) / 255.0
    x = x + torch.randn(x.shape, generator=gen) * sigmas.view(-1, 1, 1, 1)
    x = x.clamp(0.0, 1.0)
    return (x - MEAN) / STD


def train(model, params, images_u8, labels, epochs, lr, gen, noise=False):
    """Minibatch Adam on cross-entropy; images are normalised per batch (noise optional)."""
    opt = torch.optim.Adam(params, lr=lr)
    y_all = torch.from_numpy(labels.astype(np.int64))
    n = len(labels)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen).numpy()
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            if noise:
                sig = torch.rand(len(idx), generator=gen) * NOISE_SIGMA_MAX
                x = add_noise(images_u8[idx], sig, gen)
            else:
                x = normalise(images_u8[idx])
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y_all[idx])
            loss.backward()
            opt.step()
    model.eval()


@torch.no_grad()
def predict(model, x, bs=500):
    model.eval()
    return torch.cat([model(x[i:i + bs]) for i in range(0, len(x), bs)])


def ece(probs, labels, bins=15):
    """Top-label ECE, equal-width bins (m-1)/M < conf <= m/M (Guo et al. 2017)."""
    conf = probs.max(1)
    correct = (probs.argmax(1) == labels).astype(np.float64)
    total = 0.0
    for m in range(bins):
        lo, hi = m / bins, (m + 1) / bins
        sel = (conf > lo) & (conf <= hi) if m > 0 else (conf >= 0) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs(correct[sel].mean() - conf[sel].mean())
    return total


def metrics(logits, labels):
    logp = torch.log_softmax(logits.double(), 1).numpy()
    probs = np.exp(logp)
    return {
        "accuracy": float((logp.argmax(1) == labels).mean()),
        "nll": float(-logp[np.arange(len(labels)), labels].mean()),
        "ece_15": float(ece(probs, labels)),
        "n": int(len(labels)),
    }


def export(model, path, output_name):
    model.eval()
    dummy = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, dummy, path, input_names=["image"], output_names=[output_name],
                      dynamic_axes={"image": {0: "batch"}, output_name: {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)


def r9(v):
    """float32-faithful (9 significant digits) JSON number."""
    return float(f"{float(v):.9g}")


# ----------------------------------------------------------------------------- main

def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    t_start = time.time()
    load_start = os.getloadavg()[0]

    for d in ("data", "models"):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)

    tr_x = read_idx(os.path.join(SRC, "train-images-idx3-ubyte.gz"))
    tr_y = read_idx(os.path.join(SRC, "train-labels-idx1-ubyte.gz"))
    te_x = read_idx(os.path.join(SRC, "t10k-images-idx3-ubyte.gz"))
    te_y = read_idx(os.path.join(SRC, "t10k-labels-idx1-ubyte.gz"))
    assert tr_x.shape == (60000, 28, 28) and te_x.shape == (10000, 28, 28)

    # --- bundled test / calibration subsets of t10k (stratified, seeded, disjoint)
    test_idx, calib_idx = [], []
    for c in range(10):
        rows = np.flatnonzero(te_y == c)
        rows = rows[rng.permutation(len(rows))]
        test_idx.append(rows[:TEST_PER_CLASS])
        calib_idx.append(rows[TEST_PER_CLASS:TEST_PER_CLASS + CALIB_PER_CLASS])
    test_idx = np.sort(np.concatenate(test_idx))
    calib_idx = np.sort(np.concatenate(calib_idx))
    assert not set(test_idx) & set(calib_idx)
    data_dir = os.path.join(OUT, "data")
    write_idx_gz(os.path.join(data_dir, "test-images-idx3-ubyte.gz"), te_x[test_idx])
    write_idx_gz(os.path.join(data_dir, "test-labels-idx1-ubyte.gz"), te_y[test_idx])
    write_idx_gz(os.path.join(data_dir, "calib-images-idx3-ubyte.gz"), te_x[calib_idx])
    write_idx_gz(os.path.join(data_dir, "calib-labels-idx1-ubyte.gz"), te_y[calib_idx])

    # --- train-side subsets: pre-training (classes 0-4) and adaptation (all classes), disjoint
    pre_idx, adapt_idx = [], []
    for c in range(10):
        rows = np.flatnonzero(tr_y == c)
        rows = rows[rng.permutation(len(rows))]
        if c in PRETRAIN_CLASSES:
            pre_idx.append(rows[:PRETRAIN_PER_CLASS])
            adapt_idx.append(rows[PRETRAIN_PER_CLASS:PRETRAIN_PER_CLASS + ADAPT_PER_CLASS])
        else:
            adapt_idx.append(rows[:ADAPT_PER_CLASS])
    pre_idx = np.sort(np.concatenate(pre_idx))
    adapt_idx = np.sort(np.concatenate(adapt_idx))
    assert not set(pre_idx) & set(adapt_idx)

    with open(os.path.join(data_dir, "indices.json"), "w") as f:
        json.dump({
            "note": "0-based row indices into the official Fashion-MNIST files; see ../DATA.md",
            "seed": SEED,
            "test_from_t10k": test_idx.tolist(),
            "calib_from_t10k": calib_idx.tolist(),
            "pretrain_from_train": pre_idx.tolist(),
            "adapt_from_train": adapt_idx.tolist(),
        }, f, separators=(",", ":"))
        f.write("\n")

    test_x, test_y = normalise(te_x[test_idx]), te_y[test_idx].astype(np.int64)
    calib_x, calib_y = normalise(te_x[calib_idx]), te_y[calib_idx].astype(np.int64)
    gen = torch.Generator().manual_seed(SEED)

    # --- base model: supervised pre-training on classes 0-4
    t0 = time.time()
    base = Classifier(Encoder(), len(PRETRAIN_CLASSES))
    train(base, base.parameters(), tr_x[pre_idx], tr_y[pre_idx], PRETRAIN_EPOCHS, PRETRAIN_LR, gen)
    pre_time = time.time() - t0
    pre_mask = np.isin(test_y, PRETRAIN_CLASSES)
    pre_acc = float((predict(base, test_x[pre_mask]).argmax(1).numpy() == test_y[pre_mask]).mean())
    encoder = base.encoder
    enc_state = {k: v.clone() for k, v in encoder.state_dict().items()}
    print(f"pretrain: {pre_time:.1f}s, acc on test classes 0-4 {pre_acc:.4f}", file=sys.stderr)

    models = {}
    adapt_x_u8, adapt_y = tr_x[adapt_idx], tr_y[adapt_idx]

    # (a) linear probe: frozen encoder, head trained on precomputed embeddings
    t0 = time.time()
    torch.manual_seed(SEED + 1)
    probe = Classifier(Encoder(), 10)
    probe.encoder.load_state_dict(enc_state)
    for p in probe.encoder.parameters():
        p.requires_grad_(False)
    emb = predict(probe.encoder, normalise(adapt_x_u8))
    ya = torch.from_numpy(adapt_y.astype(np.int64))
    opt = torch.optim.Adam(probe.head.parameters(), lr=PROBE_LR)
    for _ in range(PROBE_EPOCHS):
        perm = torch.randperm(len(ya), generator=gen)
        for i in range(0, len(ya), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            F.cross_entropy(probe.head(emb[idx]), ya[idx]).backward()
            opt.step()
    probe.eval()
    models["fmnist-linear-probe"] = dict(
        model=probe, method="linear-probe", epochs=PROBE_EPOCHS, lr=PROBE_LR, wall=time.time() - t0,
        trainable=n_params(probe, trainable_only=True),
        notes="Encoder frozen; only the 128->10 linear head is trained (Adam, on precomputed "
              "embeddings of the 2,000 adaptation images).")

    # (b) full fine-tune, (c) fine-tune with Gaussian-noise augmentation
    for name, noise, seed_off in (("fmnist-finetune", False, 2), ("fmnist-noise-finetune", True, 3)):
        t0 = time.time()
        torch.manual_seed(SEED + seed_off)
        m = Classifier(Encoder(), 10)
        m.encoder.load_state_dict(enc_state)
        train(m, m.parameters(), adapt_x_u8, adapt_y, FINETUNE_EPOCHS, FINETUNE_LR, gen, noise=noise)
        notes = "All weights fine-tuned from the base encoder with a new 128->10 head (Adam)."
        if noise:
            notes += (f" Each training image gets Gaussian noise with sigma ~ U(0, {NOISE_SIGMA_MAX}) "
                      "on the [0,1] pixel scale, clipped to [0,1], before normalisation.")
        models[name] = dict(model=m, method="finetune-noise-aug" if noise else "finetune",
                            epochs=FINETUNE_EPOCHS, lr=FINETUNE_LR, wall=time.time() - t0,
                            trainable=n_params(m, trainable_only=True), notes=notes)

    # --- export + evaluate (torch's own numbers on the bundled subsets)
    mdir = os.path.join(OUT, "models")
    enc_path = os.path.join(mdir, "fmnist-encoder.onnx")
    export(encoder, enc_path, "embedding")
    record = {
        "schema": "evalctl.bundled-models/v1",
        "suite": "quickstart",
        "generator": "scripts/make_quickstart.py",
        "seed": SEED,
        "torch_version": torch.__version__,
        "onnx_opset": OPSET,
        "classes": CLASSES,
        "input": {"name": "image", "dtype": "float32", "shape": ["batch", 1, 28, 28],
                  "layout": "NCHW",
                  "preprocessing": {"scale": "pixel/255", "mean": MEAN, "std": STD,
                                    "formula": "(pixel/255 - 0.2860) / 0.3530"}},
        "eval_sets": {
            "test": {"images": "data/test-images-idx3-ubyte.gz",
                     "labels": "data/test-labels-idx1-ubyte.gz", "n": int(len(test_idx))},
            "calib": {"images": "data/calib-images-idx3-ubyte.gz",
                      "labels": "data/calib-labels-idx1-ubyte.gz", "n": int(len(calib_idx))},
        },
        "noise_eval": {"description": "torch-side reference only: Gaussian noise on the [0,1] pixel "
                                      "scale, clipped, then normalised; torch.Generator seeded with "
                                      f"{SEED}+1000; RNG differs from evalctl's, compare loosely",
                       "sigmas": EVAL_NOISE_SIGMAS},
        "base": {
            "name": "fmnist-encoder",
            "file": "models/fmnist-encoder.onnx",
            "sha256": sha256(enc_path),
            "bytes": os.path.getsize(enc_path),
            "parameters": n_params(encoder),
            "output": {"name": "embedding", "dtype": "float32", "shape": ["batch", 128]},
            "pretraining": {
                "task": "supervised 5-way classification of Fashion-MNIST train classes 0-4 "
                        "(T-shirt/top, Trouser, Pullover, Dress, Coat); classes 5-9 never seen",
                "train_examples": int(len(pre_idx)), "epochs": PRETRAIN_EPOCHS,
                "optimizer": f"Adam lr={PRETRAIN_LR} batch={BATCH}",
                "training_wall_seconds": round(pre_time, 1),
                "accuracy_test_classes_0_4": pre_acc,
            },
            "architecture": "Conv(1->32,3)-ReLU-MaxPool2-Conv(32->64,3)-ReLU-MaxPool2-Flatten-"
                            "Linear(1600->128)-ReLU",
        },
        "models": {},
    }
    reference = {
        "schema": "evalctl.reference-probs/v1",
        "description": "torch 1.13 outputs (not ONNX Runtime) for the first examples of "
                       "data/test-*-idx*-ubyte.gz after the suite's preprocessing; evalctl's "
                       "ORT-based outputs should match to ~1e-5",
        "n": N_REFERENCE,
        "labels": test_y[:N_REFERENCE].tolist(),
        "classes": CLASSES,
        "models": {},
    }
    noise_sets = {}
    for s in EVAL_NOISE_SIGMAS:
        g = torch.Generator().manual_seed(SEED + 1000)
        noise_sets[s] = add_noise(te_x[test_idx], torch.full((len(test_idx),), s), g)

    for name, info in models.items():
        m = info["model"]
        path = os.path.join(mdir, name + ".onnx")
        export(m, path, "logits")
        logits = predict(m, test_x)
        met = metrics(logits, test_y)
        cal = metrics(predict(m, calib_x), calib_y)
        noisy = {str(s): float((predict(m, noise_sets[s]).argmax(1).numpy() == test_y).mean())
                 for s in EVAL_NOISE_SIGMAS}
        record["models"][name] = {
            "file": f"models/{name}.onnx",
            "sha256": sha256(path),
            "bytes": os.path.getsize(path),
            "output": {"name": "logits", "dtype": "float32", "shape": ["batch", 10]},
            "parameters": n_params(m),
            "adaptation": {
                "method": info["method"],
                "base": "fmnist-encoder",
                "trainable_params": info["trainable"],
                "train_examples": int(len(adapt_idx)),
                "epochs": info["epochs"],
                "optimizer": f"Adam lr={info['lr']} batch={BATCH}",
                "training_wall_seconds": round(info["wall"], 1),
                "notes": info["notes"],
            },
            "torch_reference": {"test": met, "calib": cal, "test_noise_accuracy": noisy},
        }
        probs = torch.softmax(logits[:N_REFERENCE].double(), 1).numpy()
        reference["models"][name] = {
            "file": f"models/{name}.onnx",
            "probs": [[r9(v) for v in row] for row in probs],
            "logits": [[r9(v) for v in row] for row in logits[:N_REFERENCE].numpy()],
        }
        print(f"{name}: {info['wall']:.1f}s acc={met['accuracy']:.4f} nll={met['nll']:.4f} "
              f"noise={noisy}", file=sys.stderr)

    emb = predict(encoder, test_x[:N_REFERENCE_EMB])
    reference["embeddings"] = {"model": "fmnist-encoder", "file": "models/fmnist-encoder.onnx",
                               "n": N_REFERENCE_EMB,
                               "embedding": [[r9(v) for v in row] for row in emb.numpy()]}
    record["total_wall_seconds"] = round(time.time() - t_start, 1)
    record["host"] = {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                      "loadavg_1min_start": round(load_start, 1),
                      "loadavg_1min_end": round(os.getloadavg()[0], 1),
                      "note": "wall times depend on machine load; a quiet 2-core machine "
                              "needs about 2-3 minutes for the whole script"}

    with open(os.path.join(OUT, "models.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "reference-probs.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")
    write_models_md(record)
    print(f"total {time.time() - t_start:.1f}s", file=sys.stderr)


def write_models_md(rec):
    b = rec["base"]
    lines = [
        "# Quickstart models",
        "",
        "Generated by `python3 scripts/make_quickstart.py` (Debian python3 + python3-torch 1.13,",
        "CPU, 2 threads, seed %d). Do not edit by hand; rerun the script. Machine-readable copy:" % rec["seed"],
        "`models.json`; torch's own outputs for the first 50 test images: `reference-probs.json`.",
        "",
        "## Inputs and outputs",
        "",
        "- Input `image`: float32 `[batch, 1, 28, 28]` (NCHW), preprocessed by the harness as",
        "  `x = pixel/255`, then `(x - 0.2860) / 0.3530`. Normalisation is *not* inside the models.",
        "- Classifiers output `logits`: float32 `[batch, 10]` (unnormalised; softmax gives probabilities).",
        "- `fmnist-encoder.onnx` outputs `embedding`: float32 `[batch, 128]` (after ReLU, so >= 0).",
        "- Class index order: " + ", ".join(f"{i} {c}" for i, c in enumerate(rec["classes"])) + ".",
        "- ONNX opset %d, exported with `torch.onnx.export`; the batch axis is dynamic and named `batch`." % rec["onnx_opset"],
        "",
        "## Base model",
        "",
        f"`models/fmnist-encoder.onnx` ({b['bytes']:,} bytes, {b['parameters']:,} parameters, sha256 `{b['sha256']}`):",
        f"{b['architecture']}. Pre-trained by {b['pretraining']['task']}; "
        f"{b['pretraining']['train_examples']:,} train images, {b['pretraining']['epochs']} epochs, "
        f"{b['pretraining']['optimizer']}, {b['pretraining']['training_wall_seconds']} s. "
        f"Accuracy of the 5-way pre-training model on the test images of classes 0-4: "
        f"{b['pretraining']['accuracy_test_classes_0_4']:.4f}.",
        "The same CNN is the compute-bound model for throughput benchmarks (~2.6 M multiply-adds per image).",
        "",
        "## Adapted models",
        "",
        "All three start from the base encoder and are adapted to the 10-class task on the same",
        "2,000 train images (200 per class, disjoint from the pre-training images).",
        "",
        "| model | method | trainable params | train examples | epochs | train wall s | test acc | test NLL | test ECE-15 | acc σ=0.1 | acc σ=0.2 | acc σ=0.3 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in rec["models"].items():
        a, t = m["adaptation"], m["torch_reference"]
        n = t["test_noise_accuracy"]
        lines.append(f"| `{name}` | {a['method']} | {a['trainable_params']:,} | {a['train_examples']:,} | "
                     f"{a['epochs']} | {a['training_wall_seconds']} | {t['test']['accuracy']:.4f} | "
                     f"{t['test']['nll']:.4f} | {t['test']['ece_15']:.4f} | {n['0.1']:.4f} | "
                     f"{n['0.2']:.4f} | {n['0.3']:.4f} |")
    lines += [
        "",
        "Numbers are torch's own, on the bundled 2,000-image test subset (`data/test-*`). The σ columns",
        "add Gaussian noise of that standard deviation on the [0,1] pixel scale (clipped to [0,1]) before",
        "normalisation, with torch's RNG; evalctl's noise perturbation uses its own RNG, so expect its",
        "numbers to agree only to about a percentage point.",
        "",
        "| model | sha256 | bytes | notes |",
        "|---|---|---:|---|",
    ]
    for name, m in rec["models"].items():
        lines.append(f"| `{m['file']}` | `{m['sha256']}` | {m['bytes']:,} | {m['adaptation']['notes']} |")
    lines += [
        "",
        "Training wall times are measured on the generating machine and vary between runs (this run: "
        f"{rec['host']['cpu_count']} CPUs, 1-minute load average {rec['host']['loadavg_1min_start']} at start and "
        f"{rec['host']['loadavg_1min_end']} at the end, total {rec['total_wall_seconds']} s; a quiet 2-core machine",
        "needs about 2-3 minutes). Every other number and every file byte is reproduced by a rerun on",
        "the same machine and torch build.",
        "",
    ]
    with open(os.path.join(OUT, "MODELS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
