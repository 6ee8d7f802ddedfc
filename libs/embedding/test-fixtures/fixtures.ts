// Shared by the embedding specs: paths of the committed tiny models and builders for test images.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';

export const TINY_CLIP = path.join(__dirname, 'tiny-clip');
export const TINY_CLIP_LEGACY = path.join(__dirname, 'tiny-clip-legacy');
/**
 * A tiny multilingual CLIP in the layout tools/multilingual-clip/export.py writes (Unigram tokenizer with XLM-R's
 * special ids, mean pooling and projection in the graph, towers from two sources), with reference ids and
 * embeddings computed in Python: tools/multilingual-clip/make-fixture.py.
 */
export const MULTILINGUAL_UNIGRAM = path.join(__dirname, 'multilingual-unigram');
/** Graphs a test swaps into a copy of MULTILINGUAL_UNIGRAM (same generator). */
export const MULTILINGUAL_VARIANTS = path.join(__dirname, 'multilingual-unigram-variants');
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEMO_CLIP = path.join(REPO_ROOT, 'models', 'demo-clip');
/** OpenAI CLIP tokenizer reference data (MIT, vendored with its notice: see clip-vit-b32/README.md). */
export const CLIP_REFERENCE = path.join(__dirname, 'clip-vit-b32');

/** Copies a model directory to a fresh temp dir so a test can break it. */
export async function copyModel(src: string): Promise<string> {
  const dst = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-model-'));
  await fs.cp(src, dst, { recursive: true });
  return dst;
}

export async function editJson(file: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  edit(json);
  await fs.writeFile(file, JSON.stringify(json));
}

/** An RGB(A) image of `w x h` where `paint(x, y)` gives each pixel. */
export function rawImage(w: number, h: number, channels: 3 | 4, paint: (x: number, y: number) => number[]) {
  const data = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(paint(x, y), (y * w + x) * channels);
  return sharp(data, { raw: { width: w, height: h, channels } });
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A structurally valid PNG whose header claims `width x height` (8-bit RGB) with a tiny IDAT: a decompression
 * bomb in miniature. Decoding it would need width*height*3 bytes.
 */
export function pngClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Appends a `doc_string` field to a serialized ONNX ModelProto. Protobuf merges repeated scalar fields
 * (last wins), so the graph still loads and computes the same thing, but its bytes differ.
 */
export function withDocString(onnx: Buffer, doc: string): Buffer {
  const text = Buffer.from(doc, 'utf8');
  if (text.length > 127) throw new Error('keep it short (one-byte varint length)');
  return Buffer.concat([onnx, Buffer.from([(6 << 3) | 2, text.length]), text]);
}
