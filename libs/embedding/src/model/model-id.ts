import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';

/**
 * The ONNX files whose bytes define a model: each graph and, when weights are stored outside the graph
 * (large exports), its `.onnx_data` sibling.
 */
async function weightFiles(onnxPaths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of onnxPaths) {
    files.push(p);
    for (const sibling of [`${p}_data`, `${p}.data`]) {
      if (
        await fs.stat(sibling).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        files.push(sibling);
    }
  }
  return files;
}

/**
 * sha256 over the bytes of the ONNX files concatenated in the given order (the loader passes vision, then
 * text), streamed so a 600 MB export is not held in memory. This is the formula the demo model's exporter
 * stamps into config.json `vitrine.version`, so the two agree. Returns the full hex digest.
 */
export async function hashOnnxFiles(onnxPaths: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const file of await weightFiles(onnxPaths)) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** `<name>@<first 12 hex chars>`: short enough for keys, long enough that two exports never collide in practice. */
export function formatModelId(name: string, sha256Hex: string): string {
  return `${name}@${sha256Hex.slice(0, 12)}`;
}
