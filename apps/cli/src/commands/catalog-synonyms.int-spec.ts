import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig, type AppConfig } from '@vitrine/core';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database';
import { runSynonymsImport } from './catalog-synonyms';

class Capture extends PassThrough {
  text = '';
  constructor() {
    super();
    this.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
  }
}

describe('catalog synonyms (PostgreSQL)', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('cli-synonyms');
    config = loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-synonyms-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  const run = async (content: unknown) => {
    const file = path.join(dir, 'synonyms.json');
    fs.writeFileSync(file, JSON.stringify(content));
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runSynonymsImport({ file }, { config, stdout, stderr });
    return { code, stdout: stdout.text, stderr: stderr.text };
  };

  it('adds the demo sets once: a second run finds them there', async () => {
    const demo = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../../data/demo-catalog/synonyms.json'), 'utf8'),
    ) as string[][];
    expect(await run(demo)).toEqual({
      code: 0,
      stdout: `added ${demo.length} synonym sets, 0 already there\n`,
      stderr: '',
    });
    expect((await run(demo)).stdout).toBe(`added 0 synonym sets, ${demo.length} already there\n`);
    // The same terms in another order and case are the same set.
    expect((await run([['Running Shoe', 'SNEAKER', 'trainer']])).stdout).toBe(
      'added 0 synonym sets, 1 already there\n',
    );
  });

  it('reports an invalid set by its position, adds the others and exits with 1', async () => {
    const result = await run([['kazoo', 'zobo'], ['lonely'], 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'set 2: a synonym set has 2 to 20 distinct terms (got 1)\nset 3: a set is an array of terms\n',
    );
    expect(result.stdout).toBe('added 1 synonym set, 0 already there, 2 invalid (listed above)\n');
  });

  it('refuses a file that is not a JSON array of sets', async () => {
    await expect(run({ sets: [] })).rejects.toThrow(/expected a JSON array of synonym sets/);
  });
});
