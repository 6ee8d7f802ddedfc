import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '@vitrine/core';
import { runEvalDescriptions, runEvalVqa } from '../../apps/cli/src/commands/insights-eval';
import { DEMO_CATALOG, DEMO_DIR, DEMO_MODEL_DIR } from './demo-products';

function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

describe('eval-descriptions and eval-vqa commands', () => {
  let dir: string;
  const config = loadConfig({ MODEL_DIR: DEMO_MODEL_DIR, LOG_LEVEL: 'silent' });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vitrine-eval-cli-'));
    // A slice of the demo catalog next to links to its pictures, so relative paths resolve as in the original.
    symlinkSync(join(DEMO_DIR, 'images'), join(dir, 'images'));
    symlinkSync(join(DEMO_DIR, 'queries'), join(dir, 'queries'));
    const lines = readFileSync(DEMO_CATALOG, 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'products.jsonl'), lines.filter((_, i) => i % 16 === 0).join('\n'));
    const queries = readFileSync(join(DEMO_DIR, 'queries.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'queries.jsonl'), queries.filter((l) => l.includes('"image"')).join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('eval-vqa names the file, line and column of a malformed query line', async () => {
    const queries = join(dir, 'cut-queries.jsonl');
    writeFileSync(queries, '{"image": "queries/a.png", "relevant": ["A"]}\n{"image": "queries/b.png", "rel');
    await expect(
      runEvalVqa({ catalog: join(dir, 'products.jsonl'), queries, pictures: 'queries', json: true }, config, {
        stdout: sink(),
        stderr: sink(),
      }),
    ).rejects.toThrow(/cut-queries\.jsonl line 2: not valid JSON at column 32 \(/);
  });

  it('eval-descriptions scores every style against the references and finds no contradiction', async () => {
    const out = sink();
    const refs = join(dir, 'refs.jsonl');
    const products = readFileSync(join(dir, 'products.jsonl'), 'utf8')
      .split('\n')
      .map((l) => JSON.parse(l) as { sku: string; title: string; brand: string });
    // A reference that repeats the short template's opening scores well; the command must see that.
    writeFileSync(
      refs,
      products
        .map((p) => JSON.stringify({ sku: p.sku, references: [`${p.title} by ${p.brand}.`] }))
        .join('\n'),
    );
    const code = await runEvalDescriptions(
      { catalog: join(dir, 'products.jsonl'), references: refs, styles: ['short', 'bullets'], json: true },
      config,
      { stdout: out, stderr: sink() },
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.text()) as {
      style: string;
      contradictions: number;
      scores: { samples: number; bleu4: number; rougeL: number; ciderD: number };
    }[];
    expect(report.map((r) => r.style)).toEqual(['short', 'bullets']);
    for (const r of report) {
      expect(r.contradictions).toBe(0);
      expect(r.scores.samples).toBe(products.length);
    }
    const short = report[0]!.scores;
    expect(short.rougeL).toBeGreaterThan(0.5);
    expect(short.bleu4).toBeGreaterThan(0.2);
    expect(short.ciderD).toBeGreaterThan(report[1]!.scores.ciderD);
  });

  it('eval-vqa reports accuracy and "I can\'t tell" per question type on held-out and catalog pictures', async () => {
    const out = sink();
    const code = await runEvalVqa(
      {
        catalog: join(dir, 'products.jsonl'),
        queries: join(dir, 'queries.jsonl'),
        pictures: 'both',
        json: true,
        fitCalibration: join(dir, 'calibration.json'),
      },
      config,
      { stdout: out, stderr: sink() },
    );
    expect(code).toBe(0);
    const report = JSON.parse(out.text()) as Record<
      string,
      { types: Record<string, Record<string, number>> }
    > & {
      model: string;
    };
    for (const set of ['queries', 'catalog']) {
      const types = report[set]!.types;
      expect(Object.keys(types)).toEqual(
        expect.arrayContaining(['colour', 'category', 'yes-no', 'yes-no object']),
      );
      for (const s of Object.values(types)) {
        expect(s.n).toBeGreaterThan(0);
        for (const k of ['accuracy', 'answeredShare', 'cantTellShare', 'top1Accuracy'])
          expect(s[k]).toBeGreaterThanOrEqual(0);
        expect(s.answeredShare! + s.cantTellShare!).toBeCloseTo(1, 9);
        expect(s.accuracy).toBeLessThanOrEqual(s.answeredShare!);
      }
    }
    const calibration = JSON.parse(readFileSync(join(dir, 'calibration.json'), 'utf8')) as {
      modelId: string;
      scales: Record<string, { scale: number }>;
    };
    expect(calibration.modelId).toBe(report.model);
  }, 60_000);

  it('eval-vqa --fit-calibration reports the figures the fitted calibration gives, not the one loaded at start', async () => {
    // A new model starts with no calibration of its own (or another model's, which it ignores): the tables printed
    // after a fit must be what the service answers once it loads the fitted file.
    const args = { catalog: join(dir, 'products.jsonl'), queries: join(dir, 'queries.jsonl'), json: true };
    const file = join(dir, 'refit.json');
    const fitted = sink();
    expect(
      await runEvalVqa({ ...args, pictures: 'queries', fitCalibration: file }, config, {
        stdout: fitted,
        stderr: sink(),
      }),
    ).toBe(0);
    const loaded = sink();
    const withFile = { ...config, insights: { ...config.insights, calibrationFile: file } };
    expect(
      await runEvalVqa({ ...args, pictures: 'queries' }, withFile, { stdout: loaded, stderr: sink() }),
    ).toBe(0);
    type Types = Record<string, { answeredShare: number; accuracy: number }>;
    const types = (text: string) => (JSON.parse(text) as { queries: { types: Types } }).queries.types;
    const before = types(fitted.text());
    const after = types(loaded.text());
    for (const t of Object.keys(after)) {
      expect({ t, answered: before[t]!.answeredShare }).toEqual({ t, answered: after[t]!.answeredShare });
      expect({ t, accuracy: before[t]!.accuracy }).toEqual({ t, accuracy: after[t]!.accuracy });
    }
  }, 120_000);

  it('eval-vqa asks the truthfulness sets through the answering path and prints abstention and quoted accuracy', async () => {
    const sets = join(DEMO_DIR, '../eval/vqa');
    const out = sink();
    const code = await runEvalVqa(
      {
        catalog: DEMO_CATALOG,
        queries: join(dir, 'queries.jsonl'),
        pictures: 'none',
        unknowable: join(sets, 'unknowable.jsonl'),
        catalogText: join(sets, 'catalog-text.jsonl'),
        json: false,
      },
      config,
      { stdout: out, stderr: sink() },
    );
    expect(code).toBe(0);
    const text = out.text();
    const figure = (re: RegExp) => Number(re.exec(text)?.[1]);
    // The goals: ≥ 95% abstention on unknowable questions, ≥ 90% catalog-text, ≤ 1% confident wrong.
    expect(figure(/unknowable questions: abstained ([\d.]+)%/)).toBeGreaterThanOrEqual(95);
    expect(figure(/catalog-text questions: correct with quoted evidence ([\d.]+)%/)).toBeGreaterThanOrEqual(
      90,
    );
    expect(figure(/confident wrong answers over both sets: ([\d.]+)%/)).toBeLessThanOrEqual(1);
  }, 60_000);
});
