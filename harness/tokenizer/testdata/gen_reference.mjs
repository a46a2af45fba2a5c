// gen_reference.mjs writes reference.json.gz: the token ids that transformers.js (an independent
// implementation of Hugging Face tokenizers) produces for every string in strings.json with each
// fixture tokenizer. The Go tests compare against it exactly.
//
// Rerun (offline after the install; the package's native onnxruntime download is not needed):
//   mkdir -p /tmp/tjs && cd /tmp/tjs && npm init -y && npm install --ignore-scripts @huggingface/transformers
//   cd harness/tokenizer/testdata && NODE_PATH=/tmp/tjs/node_modules node gen_reference.mjs
// (NODE_PATH does not apply to ESM imports, so the script imports from TJS_DIR, default /tmp/tjs.)
//
// It also prints transformers.js encode throughput (MB/s, one thread) on the same text the Go
// benchmarks BenchmarkEncode* use: every string of strings.json encoded once per round.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const tjsDir = process.env.TJS_DIR || '/tmp/tjs';
const req = createRequire(path.join(tjsDir, 'package.json'));
const { AutoTokenizer, env } = await import(pathToFileURL(req.resolve('@huggingface/transformers')).href);

env.allowRemoteModels = false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokref-'));
env.localModelPath = tmp;

const here = path.dirname(new URL(import.meta.url).pathname);
const strings = JSON.parse(fs.readFileSync(path.join(here, 'strings.json'), 'utf8'));
const fixtures = ['gpt2', 'bert', 'unigram'];
const PAIRS = 200; // pairs (strings[i], strings[i+1]) for i < PAIRS

const out = { generator: `transformers.js ${JSON.parse(fs.readFileSync(path.join(tjsDir, 'node_modules/@huggingface/transformers/package.json'))).version}`, tokenizers: {} };
for (const name of fixtures) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), zlib.gunzipSync(fs.readFileSync(path.join(here, name + '.json.gz'))));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizer' }));
  const tok = await AutoTokenizer.from_pretrained(name);
  const single = strings.map((s) => tok.encode(s, { add_special_tokens: true }));
  const plain = strings.map((s) => tok.encode(s, { add_special_tokens: false }));
  const pair = [];
  for (let i = 0; i < PAIRS; i++) pair.push(tok.encode(strings[i], { text_pair: strings[i + 1], add_special_tokens: true }));
  out.tokenizers[name] = { single, plain, pair };

  const bytes = strings.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const t0 = process.hrtime.bigint();
  let reps = 0;
  while (process.hrtime.bigint() - t0 < 3_000_000_000n) { for (const s of strings) tok.encode(s, { add_special_tokens: false }); reps++; }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name}: transformers.js encode ${(bytes * reps / secs / 1e6).toFixed(2)} MB/s (${bytes} bytes x ${reps} in ${secs.toFixed(2)} s)`);
}
fs.writeFileSync(path.join(here, 'reference.json.gz'), zlib.gzipSync(JSON.stringify(out)));
fs.rmSync(tmp, { recursive: true });
