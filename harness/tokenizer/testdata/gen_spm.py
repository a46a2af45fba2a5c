#!/usr/bin/python3
"""Builds the SentencePiece fixtures of harness/tokenizer (deterministic; rerun to regenerate).

Needs Debian's python3-sentencepiece (0.1.97): apt-get install -y python3-sentencepiece
Usage (from this directory): /usr/bin/python3 gen_spm.py

Trains a small Unigram model with sentencepiece itself (default normalization rule nmt_nfkc, so
the model carries a real precompiled_charsmap) on the lines of strings.json, converts it to a
tokenizer.json the way Hugging Face's SpmConverter (transformers convert_slow_tokenizer.py) does
for a Unigram model, and records sentencepiece's own ids for every string of strings.json.

Writes:
    spm_unigram.json.gz   the converted tokenizer.json
    spm_reference.json.gz {"generator": ..., "ids": [[...], ...]}: sp.encode(s, out_type=int)
"""
import base64, gzip, io, json, re

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

with open("strings.json", encoding="utf-8") as f:
    STRINGS = json.load(f)

# Training text: every non-empty line of every string, in order, repeated so that the sentence
# count is comfortably above what the trainer wants for a 600-piece vocab.
LINES = [l for s in STRINGS for l in re.split(r"[\r\n]+", s) if l.strip()]

spm.set_random_generator_seed(20240607)
model = io.BytesIO()
spm.SentencePieceTrainer.train(
    sentence_iterator=iter(LINES),
    model_writer=model,
    model_type="unigram",
    vocab_size=600,
    hard_vocab_limit=False,
    character_coverage=0.9995,  # the default: rare characters stay unknown, testing <unk>
    normalization_rule_name="nmt_nfkc",
    num_threads=1,
    input_sentence_size=0,
    shuffle_input_sentence=False,
    max_sentence_length=1 << 16,
    minloglevel=2,
)
proto_bytes = model.getvalue()
proto = pb.ModelProto()
proto.ParseFromString(proto_bytes)
sp = spm.SentencePieceProcessor(model_proto=proto_bytes)

charsmap = proto.normalizer_spec.precompiled_charsmap
assert charsmap, "nmt_nfkc model without precompiled_charsmap"
assert proto.normalizer_spec.add_dummy_prefix and proto.normalizer_spec.remove_extra_whitespaces

# SpmConverter: vocab = [(piece, score)], unk_id from trainer_spec; normalizer
# Sequence[Precompiled, Strip(right), Replace(" {2,}" -> "▁")]; Metaspace pre-tokenizer and
# decoder with prepend_scheme "always"; CONTROL and USER_DEFINED pieces as added tokens.
CONTROL, USER_DEFINED = 3, 4
added = [
    {"id": i, "content": p.piece, "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": p.type == USER_DEFINED, "special": p.type == CONTROL}
    for i, p in enumerate(proto.pieces) if p.type in (CONTROL, USER_DEFINED)
]
tok = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": added,
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
        {"type": "Strip", "strip_left": False, "strip_right": True},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "\u2581"},
    ]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "post_processor": None,
    "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
    "model": {"type": "Unigram", "unk_id": proto.trainer_spec.unk_id, "byte_fallback": False,
              "vocab": [[p.piece, p.score] for p in proto.pieces]},
}

ids = [sp.encode(s, out_type=int) for s in STRINGS]


def write_gz(name, obj):
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(name, "wb") as f:  # mtime=0 and no file name: byte-reproducible
        with gzip.GzipFile(filename="", fileobj=f, mode="wb", mtime=0, compresslevel=9) as z:
            z.write(raw)


write_gz("spm_unigram.json.gz", tok)
write_gz("spm_reference.json.gz", {"generator": "sentencepiece %s, gen_spm.py" % spm.__version__, "ids": ids})
print("pieces", len(proto.pieces), "charsmap bytes", len(charsmap), "strings", len(STRINGS))
