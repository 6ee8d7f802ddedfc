import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DomainError } from '@vitrine/core';
import type { SafeFetcher } from './safe-fetch';

/**
 * Reads a catalog image's bytes from where its URI points: a local file (`file://` URI, as the catalog import
 * stores relative paths) or the web through the {@link SafeFetcher}. A missing file is permanent
 * (`FETCH_FAILED`), like a 404.
 */
export class ImageSource {
  constructor(
    private readonly fetcher: SafeFetcher,
    private readonly maxBytes: number,
  ) {}

  async load(uri: string): Promise<Buffer> {
    if (uri.startsWith('file:')) return this.readFile(uri);
    if (uri.startsWith('https:') || uri.startsWith('http:')) return (await this.fetcher.fetch(uri)).bytes;
    throw new DomainError('FETCH_FORBIDDEN', `unsupported image URI scheme: ${uri.slice(0, 100)}`, { uri });
  }

  private async readFile(uri: string): Promise<Buffer> {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      throw new DomainError('FETCH_FAILED', `not a valid file URI: ${uri}`, { uri, transient: false });
    }
    try {
      const stat = await fs.stat(path);
      if (!stat.isFile())
        throw new DomainError('FETCH_FAILED', `${path} is not a file`, { uri, transient: false });
      if (stat.size > this.maxBytes) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `${path} is larger than the ${this.maxBytes}-byte limit`, {
          uri,
        });
      }
      return await fs.readFile(path);
    } catch (e) {
      if (e instanceof DomainError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const transient = code !== 'ENOENT' && code !== 'EACCES' && code !== 'EISDIR';
      throw new DomainError('FETCH_FAILED', `cannot read image ${path}: ${(e as Error).message}`, {
        uri,
        transient,
      });
    }
  }
}
