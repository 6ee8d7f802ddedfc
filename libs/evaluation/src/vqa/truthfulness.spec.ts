import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@vitrine/catalog';
import type { VqaAnswer } from '@vitrine/vqa';
import { evaluateTruthfulness, readCatalogTextSet, readUnknowableSet } from './truthfulness';

const product = { id: 'p1', sku: 'SKU-1', title: 'Laptop' } as Product;
const reply = (over: Partial<VqaAnswer>): VqaAnswer => ({
  answer: "I can't tell",
  value: null,
  answered: false,
  confidence: 0,
  source: 'none',
  questionType: 'unknowable',
  explanation: '',
  ...over,
});

describe('evaluateTruthfulness', () => {
  it('counts a "No." to an unknowable question as a confident wrong answer, and an abstention as right', async () => {
    const answers: Record<string, VqaAnswer> = {
      'Does it contain nuts?': reply({ answer: 'No.', value: 'no', answered: true, confidence: 1 }),
      'Has it been recalled?': reply({ answer: "I can't tell whether it has been recalled" }),
      'Does it have a warranty?': reply({
        answer: 'Yes. The product description says: "Two-year warranty."',
        value: 'yes',
        answered: true,
        confidence: 1,
        evidence: [{ field: 'description', text: 'Two-year warranty.' }],
      }),
      'How long is the warranty?': reply({ answer: 'No.', value: 'no', answered: true, confidence: 0.9 }),
    };
    const report = await evaluateTruthfulness(
      (_, q) => Promise.resolve(answers[q]!),
      [product],
      [
        { sku: 'SKU-1', lang: 'en', split: 'test', topic: 'allergens', question: 'Does it contain nuts?' },
        { sku: 'SKU-1', lang: 'en', split: 'test', topic: 'recall', question: 'Has it been recalled?' },
      ],
      [
        {
          sku: 'SKU-1',
          lang: 'en',
          split: 'test',
          question: 'Does it have a warranty?',
          field: 'description',
          contains: 'two-year warranty',
          answer: 'yes',
        },
        {
          sku: 'SKU-1',
          lang: 'en',
          split: 'test',
          question: 'How long is the warranty?',
          field: 'description',
          contains: 'two-year warranty',
        },
      ],
      0.5,
    );
    expect(report.unknowable.abstention.rate).toBe(0.5);
    expect(report.unknowable.confidentWrong.rate).toBe(0.5);
    expect(report.unknowable.misses).toEqual([{ question: 'Does it contain nuts?', answer: 'No.' }]);
    expect(report.catalogText.accuracy.rate).toBe(0.5);
    expect(report.catalogText.confidentWrong.rate).toBe(0.5);
    expect(report.confidentWrong).toMatchObject({ n: 4, rate: 0.5 });
  });
});

describe('the committed question sets', () => {
  const dir = join(__dirname, '../../../../data/eval/vqa');

  it('hold several hundred unknowable questions in English and Chinese, and catalog-text questions', () => {
    const u = readUnknowableSet(join(dir, 'unknowable.jsonl'));
    const c = readCatalogTextSet(join(dir, 'catalog-text.jsonl'));
    expect(u.length).toBeGreaterThanOrEqual(300);
    expect(new Set(u.map((q) => q.question)).size).toBeGreaterThanOrEqual(150);
    expect(u.filter((q) => q.lang === 'zh').length).toBeGreaterThanOrEqual(100);
    expect(c.length).toBeGreaterThanOrEqual(150);
    expect(c.filter((q) => q.lang === 'zh').length).toBeGreaterThanOrEqual(30);
  });

  it('names the file and line of a malformed question', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vitrine-truth-'));
    try {
      const file = join(tmp, 'u.jsonl');
      writeFileSync(
        file,
        `${readFileSync(join(dir, 'unknowable.jsonl'), 'utf8').split('\n')[0]}\n{"sku": 1}\n`,
      );
      expect(() => readUnknowableSet(file)).toThrow(/u\.jsonl line 2: /);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
