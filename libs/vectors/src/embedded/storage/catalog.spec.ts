import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CatalogFile } from './catalog';
import { DamageLog } from './damage';

describe('CatalogFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vitrine-catalog-file-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('names each damaged file with the line and column where its JSON stops', async () => {
    const catalog = new CatalogFile(dir, new DamageLog(dir));
    await catalog.write({
      collections: { 'products-1': { dim: 512, vectors: ['image', 'text'], seed: 7 } },
      aliases: { products: 'products-1' },
    });
    const main = path.join(dir, 'catalog.json');
    const text = await fs.readFile(main, 'utf8');
    // Cut right after `"dim": 512` (line 5 of the pretty-printed file) in both copies.
    const cut = text.slice(0, text.indexOf('512') + 3);
    const line = cut.split('\n').length;
    const column = cut.length - cut.lastIndexOf('\n');
    await fs.writeFile(main, cut);
    await fs.writeFile(`${main}.bak`, '{\n  "version": 2,\n  "collections": {');

    const error = await new CatalogFile(dir, new DamageLog(dir)).read().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain(`${main}: not valid JSON (line ${line}, column ${column}: `);
    expect(error?.message).toContain(`${main}.bak: not valid JSON (line 3, column 19: `);
  });
});
