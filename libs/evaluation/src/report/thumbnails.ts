import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

/** Edge of a report thumbnail, in pixels (shown at 72 CSS pixels; 96 keeps it sharp on a 1.33× screen). */
export const THUMBNAIL_SIZE = 96;

/**
 * Small pictures for reports, as `data:image/webp;base64,…` URIs: fitted into a square on white (emoji sets leave
 * different colours under their transparent pixels) and cached per file, so a product that appears in many failure
 * cases is encoded once. A file that cannot be read or decoded has no thumbnail (the report says so) rather than
 * failing the whole report.
 */
export class Thumbnailer {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  constructor(private readonly size = THUMBNAIL_SIZE) {}

  /** The thumbnail of a local picture file, or undefined when it cannot be read as a picture. */
  of(file: string): Promise<string | undefined> {
    let hit = this.cache.get(file);
    if (!hit) {
      hit = this.encode(file);
      this.cache.set(file, hit);
    }
    return hit;
  }

  private async encode(file: string): Promise<string | undefined> {
    try {
      const bytes = await sharp(await readFile(file))
        .resize(this.size, this.size, { fit: 'contain', background: '#ffffff' })
        .flatten({ background: '#ffffff' })
        .webp({ quality: 72 })
        .toBuffer();
      return `data:image/webp;base64,${bytes.toString('base64')}`;
    } catch {
      return undefined;
    }
  }
}
