import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The catalog file's folder, as written and with symbolic links resolved. */
export interface CatalogFolder {
  readonly dir: string;
  readonly realDir: string;
}

export async function catalogFolder(file: string): Promise<CatalogFolder> {
  const dir = path.dirname(path.resolve(file));
  return { dir, realDir: await fs.realpath(dir) };
}

/**
 * Turns one `images` entry into the URI stored in the catalog, or a reason to reject the line:
 * - `https://…` URLs are kept (normalised by WHATWG URL parsing); any other scheme (`http:`, `file:`, `data:`…) is
 *   refused: the indexer fetches only over TLS, and local files are named by path.
 * - Anything else is a path, relative to the catalog file's folder, that must stay inside that folder (also after
 *   symbolic links) and name an existing file. It is stored as an absolute `file://` URI.
 */
export async function resolveImageRef(
  ref: string,
  folder: CatalogFolder,
): Promise<{ ok: true; uri: string } | { ok: false; reason: string }> {
  if (SCHEME.test(ref)) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      return { ok: false, reason: `"${clip(ref)}" is not a valid URL` };
    }
    if (url.protocol !== 'https:') {
      return { ok: false, reason: `only https:// URLs or paths are accepted, not ${url.protocol}` };
    }
    if (url.username || url.password) return { ok: false, reason: 'URL must not contain credentials' };
    return { ok: true, uri: url.href };
  }
  const resolved = path.resolve(folder.dir, ref);
  if (!isInside(folder.dir, resolved)) {
    return { ok: false, reason: `"${clip(ref)}" is outside the catalog file's folder` };
  }
  let real: string;
  try {
    real = await fs.realpath(resolved);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      reason: code === 'ENOENT' ? `file "${clip(ref)}" not found` : `"${clip(ref)}": ${code}`,
    };
  }
  if (!isInside(folder.realDir, real)) {
    return { ok: false, reason: `"${clip(ref)}" links to a file outside the catalog file's folder` };
  }
  const stat = await fs.stat(real);
  if (!stat.isFile()) return { ok: false, reason: `"${clip(ref)}" is not a file` };
  return { ok: true, uri: pathToFileURL(resolved).href };
}

function isInside(dir: string, candidate: string): boolean {
  const rel = path.relative(dir, candidate);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
