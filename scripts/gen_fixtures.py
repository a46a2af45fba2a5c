#!/usr/bin/python3
"""gen_fixtures.py - write the tiny ONNX models evalctl's ORT tests run.

Usage: scripts/gen_fixtures.py [OUTDIR]      (default: harness/ort/testdata)

Needs a python3 with onnx 1.12 and numpy (Debian: apt install python3-onnx;
/usr/bin/python3 is used by the shebang because that is where Debian puts it).
Only onnx.helper / onnx.numpy_helper are used, no exporter, so the files are
byte-for-byte reproducible: weights come from numpy.random.RandomState with
fixed seeds, and nothing time- or host-dependent is written.

Every model uses IR version 8 and opset 13 (ai.onnx) / 1 (ai.onnx.ml), which
ONNX Runtime 1.30 loads. harness/ort/testdata/README.md describes each file;
keep the two in step.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, checker, helper, numpy_helper

IR_VERSION = 8
OPSET = 13
ML_OPSET = 1
PRODUCER = "evalctl-gen_fixtures"
PRODUCER_VERSION = "1"

DTYPES = {
    "float32": TensorProto.FLOAT,
    "float16": TensorProto.FLOAT16,
    "float64": TensorProto.DOUBLE,
    "int64": TensorProto.INT64,
    "int32": TensorProto.INT32,
    "uint8": TensorProto.UINT8,
    "bool": TensorProto.BOOL,
}


def model(graph, ml=False, doc=""):
    opsets = [helper.make_opsetid("", OPSET)]
    if ml:
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    m = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name=PRODUCER,
        producer_version=PRODUCER_VERSION,
        doc_string=doc,
    )
    m.ir_version = IR_VERSION
    m.model_version = 1
    m.domain = "dev.evalctl.fixtures"
    checker.check_model(m)
    return m


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name=name)


def identity(dtype):
    t = DTYPES[dtype]
    g = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "identity_" + dtype,
        [helper.make_tensor_value_info("x", t, ["batch", 3])],
        [helper.make_tensor_value_info("y", t, ["batch", 3])],
    )
    return model(g, doc="y = x for element type %s, batch axis named batch" % dtype)


def cast_all():
    nodes, outs = [], []
    for name, t in DTYPES.items():
        if name == "float32":
            continue
        nodes.append(helper.make_node("Cast", ["x"], ["y_" + name], to=t))
        outs.append(helper.make_tensor_value_info("y_" + name, t, ["batch", 3]))
    g = helper.make_graph(
        nodes, "cast_all",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])],
        outs,
    )
    return model(g, doc="casts float32 x to every other element type")


def encoder():
    # Masked mean of token embeddings, then a linear head: like an HF encoder's
    # interface (input_ids, attention_mask -> logits), and padding-invariant.
    rng = np.random.RandomState(1)
    emb = rng.uniform(-1, 1, size=(16, 4)).astype(np.float32)
    w = rng.uniform(-1, 1, size=(4, 2)).astype(np.float32)
    b = np.array([0.1, -0.1], dtype=np.float32)
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["tok"]),  # [b,s,4]
        helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis_last"], ["mask3"]),  # [b,s,1]
        helper.make_node("Mul", ["tok", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["summed"], keepdims=0),  # [b,4]
        helper.make_node("ReduceSum", ["maskf", "axis1"], ["count"], keepdims=1),  # [b,1]
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["pooled"]),
        helper.make_node("MatMul", ["pooled", "w"], ["mm"]),
        helper.make_node("Add", ["mm", "b"], ["logits"]),
    ]
    g = helper.make_graph(
        nodes, "tiny_encoder",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        initializer=[
            init("embedding", emb), init("w", w), init("b", b),
            init("axis_last", np.array([-1], dtype=np.int64)),
            init("axis1", np.array([1], dtype=np.int64)),
            init("one", np.array([1.0], dtype=np.float32)),
        ],
    )
    return model(g, doc="two int64 inputs like an HF encoder; vocabulary 16")


def fixed_batch():
    g = helper.make_graph(
        [helper.make_node("Mul", ["x", "two"], ["y"])],
        "fixed_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3])],
        initializer=[init("two", np.array([2.0], dtype=np.float32))],
    )
    return model(g, doc="y = 2x with a fixed batch of 4")


# Weights of linear_softmax.onnx, repeated in the Go tests that check it.
LINEAR_W = [[1.0, 0.0, -1.0], [0.0, 1.0, 1.0]]
LINEAR_B = [0.0, 0.5, -0.5]


def linear_softmax():
    g = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["mm"]),
            helper.make_node("Add", ["mm", "b"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
        ],
        "linear_softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3]),
            helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 3]),
        ],
        initializer=[
            init("w", np.array(LINEAR_W, dtype=np.float32)),
            init("b", np.array(LINEAR_B, dtype=np.float32)),
        ],
    )
    return model(g, doc="probs = softmax(x @ W + b), W and b in gen_fixtures.py")


# LinearClassifier weights shared by both ZipMap models: one row per class,
# in the order of the class labels below.
ZIP_COEF = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
ZIP_INTERCEPT = [0.0, 0.0, 0.5]


def zipmap(labels):
    ints = isinstance(labels[0], int)
    lc = dict(
        coefficients=[v for row in ZIP_COEF for v in row],
        intercepts=ZIP_INTERCEPT,
        post_transform="SOFTMAX",
        multi_class=0,
    )
    zm = {}
    if ints:
        lc["classlabels_ints"] = labels
        zm["classlabels_int64s"] = labels
        label_type = TensorProto.INT64
        key_type = TensorProto.INT64
    else:
        lc["classlabels_strings"] = labels
        zm["classlabels_strings"] = labels
        label_type = TensorProto.STRING
        key_type = TensorProto.STRING
    nodes = [
        helper.make_node("LinearClassifier", ["float_input"], ["label", "probabilities"],
                         domain="ai.onnx.ml", **lc),
        helper.make_node("Identity", ["label"], ["output_label"]),
        helper.make_node("ZipMap", ["probabilities"], ["output_probability"],
                         domain="ai.onnx.ml", **zm),
    ]
    # onnx 1.12's helper has no make_map_type_proto, so build the map type by hand.
    map_type = onnx.TypeProto()
    map_type.map_type.key_type = key_type
    map_type.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    seq_map = helper.make_sequence_type_proto(map_type)
    g = helper.make_graph(
        nodes, "zipmap_" + ("int" if ints else "str"),
        [helper.make_tensor_value_info("float_input", TensorProto.FLOAT, [None, 2])],
        [
            helper.make_tensor_value_info("output_label", label_type, [None]),
            helper.make_value_info("output_probability", seq_map),
        ],
    )
    return model(g, ml=True, doc="scikit-learn style LinearClassifier + ZipMap")


def log_nan():
    g = helper.make_graph(
        [helper.make_node("Log", ["x"], ["y"])],
        "log_nan",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
    )
    return model(g, doc="y = log(x): NaN for x < 0, -Inf for x = 0")


def string_input():
    g = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["probs"], to=TensorProto.FLOAT)],
        "string_input",
        [helper.make_tensor_value_info("x", TensorProto.STRING, ["batch", 2])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 2])],
    )
    return model(g, doc="probs = Cast(x): a model whose input is a string tensor")


def cnn():
    rng = np.random.RandomState(7)

    def w(*shape):
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(size=shape) / np.sqrt(fan_in)).astype(np.float32)

    nodes = [
        helper.make_node("Conv", ["image", "c1w", "c1b"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "c2w", "c2b"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fcw", "fcb"], ["logits"], transB=1),
    ]
    g = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=[
            init("c1w", w(8, 1, 3, 3)), init("c1b", np.zeros(8, dtype=np.float32)),
            init("c2w", w(16, 8, 3, 3)), init("c2b", np.zeros(16, dtype=np.float32)),
            init("fcw", w(10, 16 * 7 * 7)), init("fcb", np.zeros(10, dtype=np.float32)),
        ],
    )
    return model(g, doc="MNIST-shaped CNN with seeded random weights")


def symbolic_dim():
    g = helper.make_graph(
        [helper.make_node("ReduceMean", ["tokens"], ["mean"], axes=[1], keepdims=0)],
        "symbolic_dim",
        [helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["batch", "seq_len", 4])],
        [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", 4])],
    )
    return model(g, doc="mean over a symbolic seq_len axis")


def external_data(outdir):
    # A linear layer whose weight is stored in a side file, to test detection
    # of external data; the weight is big enough (>= 1 KiB) to be moved out.
    w = np.arange(32 * 8, dtype=np.float32).reshape(32, 8) / 256.0
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "external_data",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])],
        initializer=[init("w", w)],
    )
    m = model(g, doc="weight w lives in external_data.onnx.data")
    onnx.save_model(m, os.path.join(outdir, "external_data.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external_data.onnx.data",
                    size_threshold=1024)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "harness", "ort", "testdata")
    os.makedirs(outdir, exist_ok=True)
    models = {"identity_" + d: identity(d) for d in DTYPES}
    models.update({
        "cast_all": cast_all(),
        "encoder": encoder(),
        "fixed_batch": fixed_batch(),
        "linear_softmax": linear_softmax(),
        "zipmap_int": zipmap([10, 2, 7]),
        "zipmap_str": zipmap(["virginica", "setosa", "versicolor"]),
        "log_nan": log_nan(),
        "string_input": string_input(),
        "cnn": cnn(),
        "symbolic_dim": symbolic_dim(),
    })
    for name, m in sorted(models.items()):
        path = os.path.join(outdir, name + ".onnx")
        with open(path, "wb") as f:
            f.write(m.SerializeToString())
        print(path)
    external_data(outdir)
    print(os.path.join(outdir, "external_data.onnx"))


if __name__ == "__main__":
    main()
