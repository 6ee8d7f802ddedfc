import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { DEMO_CATALOG, DEMO_DIR, DEMO_MODEL_DIR } from '../../../../test/support/indexing-app';
import { runEvalVqa } from './insights-eval';

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

/** `vitrine eval-vqa` with a report, on a slice of the demo catalog and its held-out pictures. */
describe('vitrine eval-vqa --report', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-vqa-report-'));
    symlinkSync(join(DEMO_DIR, 'images'), join(dir, 'images'));
    symlinkSync(join(DEMO_DIR, 'queries'), join(dir, 'queries'));
    const lines = readFileSync(DEMO_CATALOG, 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'products.jsonl'), lines.filter((_, i) => i % 24 === 0).join('\n'));
    const queries = readFileSync(join(DEMO_DIR, 'queries.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'queries.jsonl'), queries.filter((l) => l.includes('"image"')).join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes accuracy and abstention per question type and the confidently wrong answers with their pictures', async () => {
    const report = join(dir, 'vqa.html');
    const out = sink();
    const code = await runEvalVqa(
      {
        catalog: join(dir, 'products.jsonl'),
        queries: join(dir, 'queries.jsonl'),
        pictures: 'queries',
        unknowable: '',
        catalogText: '',
        json: true,
        report,
      },
      loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' }),
      { stdout: out.stream, stderr: sink().stream },
    );
    expect(code).toBe(0);
    const json = JSON.parse(out.text()) as { queries: { questions: number; confidentlyWrong: number } };
    const html = readFileSync(report, 'utf8').replace(/\s+/g, ' ').replace(/> </g, '><');
    expect(html).toContain('<section id="types-queries">');
    for (const type of ['colour', 'category', 'yes-no']) expect(html).toContain(`<tr><td>${type}</td>`);
    // JSON gives the count; the report shows each (up to 24), each with the picture asked about as a data URI.
    const count = json.queries.confidentlyWrong;
    expect(count).toBeGreaterThan(0);
    expect(html).toContain(`held-out OpenMoji pictures: confidently wrong answers (${count})`);
    const cases = [...html.matchAll(/data-confidence="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cases).toHaveLength(Math.min(24, count));
    expect(cases).toEqual([...cases].sort((a, b) => b - a));
    expect(html.match(/<img src="data:image\/webp;base64,/g)).toHaveLength(cases.length);
    expect(html).not.toMatch(/<script|\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  }, 120_000);
});
