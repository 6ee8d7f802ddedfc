import type { CheckedPoint } from '../../validation';
import type { ProductPayload, VectorName } from '../../vector-store';

/**
 * Binary form of a batch of points, shared by log records and segments: a UTF-8 JSON header
 * (`[[id, payload, vectorBits], ...]`, padded with spaces to a multiple of 4 bytes) followed by the float32
 * (little-endian) vectors of each point, for each vector name whose bit is set, in collection order.
 */
type PointHeader = [id: string, payload: ProductPayload, vectorBits: number];

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Vectors are written as the platform's float32 bytes; every platform Node ships on is little-endian.
  throw new Error('The embedded vector store needs a little-endian platform');
}

function padded(json: string): Buffer {
  const raw = Buffer.from(json, 'utf8');
  const len = Math.ceil(raw.length / 4) * 4;
  if (len === raw.length) return raw;
  const out = Buffer.alloc(len, 0x20);
  raw.copy(out);
  return out;
}

/** Encodes points as [u32 header length][header][vectors]; returned as chunks to avoid one big copy. */
export function encodePoints(points: readonly CheckedPoint[], names: readonly VectorName[]): Buffer[] {
  const header: PointHeader[] = points.map((p) => [
    p.id,
    p.payload,
    names.reduce((bits, name, i) => (p.vectors[name] ? bits | (1 << i) : bits), 0),
  ]);
  const json = padded(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const chunks: Buffer[] = [len, json];
  for (const p of points) {
    for (const name of names) {
      const v = p.vectors[name];
      if (v) chunks.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  return chunks;
}

/**
 * Decodes what {@link encodePoints} wrote from `buf[offset..]`. Vectors are views into `buf` where aligned
 * (copied otherwise), so callers must copy them before `buf` is reused. Returns the offset after the batch.
 */
export function decodePoints(
  buf: Buffer,
  offset: number,
  dim: number,
  names: readonly VectorName[],
): { points: CheckedPoint[]; end: number } {
  const jsonLen = buf.readUInt32LE(offset);
  let off = offset + 4;
  const header = JSON.parse(buf.toString('utf8', off, off + jsonLen)) as PointHeader[];
  off += jsonLen;
  const bytes = dim * 4;
  const points = header.map(([id, payload, bits]) => {
    const vectors: Partial<Record<VectorName, Float32Array>> = {};
    names.forEach((name, i) => {
      if ((bits & (1 << i)) === 0) return;
      if (off + bytes > buf.length) throw new Error('Truncated vector data');
      const at = buf.byteOffset + off;
      vectors[name] =
        at % 4 === 0
          ? new Float32Array(buf.buffer, at, dim)
          : new Float32Array(buf.buffer.slice(at, at + bytes) as ArrayBuffer);
      off += bytes;
    });
    return { id, payload, vectors };
  });
  return { points, end: off };
}
