// Runs the exported ONNX graphs with onnxruntime-node (what the TypeScript side uses) and checks them against the
// PyTorch reference in reference.json: token ids from @huggingface/tokenizers, text embeddings with padding to
// max_length, image embeddings from the reference pixel values. Also times single-image inference.
// Usage: node check_onnx.mjs <model dir> <reference_pixels.json>
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';

const [dir, pixelsFile] = process.argv.slice(2);
const ref = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8'));
const pixels = JSON.parse(fs.readFileSync(pixelsFile, 'utf8'));
const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')), {});
const opts = { executionProviders: ['cpu'], intraOpNumThreads: 1 };
const text = await ort.InferenceSession.create(path.join(dir, 'onnx/text_model.onnx'), opts);
const vision = await ort.InferenceSession.create(path.join(dir, 'onnx/vision_model.onnx'), opts);

const norm = (v) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
const cos = (a, b) => { const x = norm(a), y = norm(b); return x.reduce((s, v, i) => s + v * y[i], 0); };
let failed = 0;
const check = (ok, msg) => { if (!ok) failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${msg}`); };

// texts: tokenize in JS, truncate keeping [SEP], pad to max_length, run as one batch
const L = ref.max_length;
const ids = [], mask = [];
for (const t of ref.texts) {
  let e = tok.encode(t.text).ids;
  check(JSON.stringify(e) === JSON.stringify(t.input_ids), `ids ${JSON.stringify(t.text).slice(0, 40)}`);
  if (e.length > L) e = [...e.slice(0, L - 1), ref.eos_token_id];
  ids.push(...e, ...Array(L - e.length).fill(ref.pad_token_id));
  mask.push(...e.map(() => 1), ...Array(L - e.length).fill(0));
}
const n = ref.texts.length;
const tOut = await text.run({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [n, L]),
  attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask.map(BigInt)), [n, L]),
});
const te = tOut.text_embeds;
const d = te.dims[1];
ref.texts.forEach((t, i) => {
  const c = cos(Array.from(te.data.slice(i * d, (i + 1) * d)), t.text_embeds);
  check(c >= 0.9999, `text cosine ${c.toFixed(7)} ${JSON.stringify(t.text).slice(0, 40)}`);
});

// images
const S = ref.images[0].pixel_values_shape[2];
const files = ref.images.map((im) => path.basename(im.file));
const batch = new Float32Array(files.length * 3 * S * S);
files.forEach((f, i) => batch.set(pixels[f], i * 3 * S * S));
const iOut = await vision.run({ pixel_values: new ort.Tensor('float32', batch, [files.length, 3, S, S]) });
ref.images.forEach((im, i) => {
  const c = cos(Array.from(iOut.image_embeds.data.slice(i * d, (i + 1) * d)), im.image_embeds);
  check(c >= 0.9999, `image cosine ${c.toFixed(7)} ${im.file}`);
});

// speed: one image at a time, one thread
const one = new ort.Tensor('float32', batch.slice(0, 3 * S * S), [1, 3, S, S]);
for (let i = 0; i < 10; i++) await vision.run({ pixel_values: one });
let t0 = performance.now();
for (let i = 0; i < 100; i++) await vision.run({ pixel_values: one });
const perImage = (performance.now() - t0) / 100;
const oneText = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.slice(0, L).map(BigInt)), [1, L]),
  attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask.slice(0, L).map(BigInt)), [1, L]) };
for (let i = 0; i < 10; i++) await text.run(oneText);
t0 = performance.now();
for (let i = 0; i < 100; i++) await text.run(oneText);
const perText = (performance.now() - t0) / 100;
console.log(`onnxruntime-node ${ort.env.versions?.common ?? ''} 1 thread: ${perImage.toFixed(2)} ms/image, ${perText.toFixed(2)} ms/text (seq ${L})`);
if (failed) { console.log(`${failed} checks failed`); process.exit(1); }
console.log('all ONNX parity checks passed');
