import { join } from 'node:path';
import { scoreChat, type ChatTurnOutcome } from '../chat/chat-metrics';
import type { ChatConversation } from '../chat/conversation-set';
import type { EvalQuestion, TypeStats, VqaEvalResult } from '../vqa/vqa-eval';
import { buildChatReport, turnProblems } from './chat-report';
import { Thumbnailer } from './thumbnails';
import { buildVqaReport } from './vqa-report';

const DEMO = join(__dirname, '../../../../data/demo-catalog');

/** Layout whitespace collapsed (the markup is formatted by Prettier; the text is not changed). */
const flat = (html: string) =>
  html
    .replace(/\s+/g, ' ')
    .replace(/> </g, '><')
    .replace(/ (\/?)>/g, '$1>');

const stats = (accuracy: number, answered: number, n: number): TypeStats => ({
  n,
  accuracy,
  answeredShare: answered,
  answeredAccuracy: accuracy / answered,
  top1Accuracy: accuracy,
  cantTellShare: 1 - answered,
  ci95: [accuracy - 0.1, accuracy + 0.1],
});

const question = (sku: string, file: string, q: string, expected: string): EvalQuestion => ({
  sku,
  productId: sku,
  image: join(DEMO, file),
  question: q,
  expected,
  types: ['colour'],
});

describe('the eval-vqa report', () => {
  const result: VqaEvalResult = {
    questions: 40,
    msPerQuestion: 3,
    types: { colour: stats(0.5, 0.8, 20), 'yes-no': stats(0.75, 0.9, 20) },
    confidentlyWrong: [
      {
        question: question('A', 'images/backpack.png', 'What colour is <it>?', 'red'),
        answer: 'blue',
        confidence: 0.97,
      },
      {
        question: question('B', 'images/purse.png', 'What colour is it?', 'pink'),
        answer: 'purple',
        confidence: 0.81,
      },
      {
        question: question('C', 'images/luggage.png', 'What colour is it?', 'brown'),
        answer: null,
        confidence: 0.6,
      },
    ],
  };
  let html: string;
  beforeAll(async () => {
    html = flat(
      await buildVqaReport(
        {
          model: 'demo',
          minConfidence: 0.5,
          catalog: 'products.jsonl',
          titles: new Map([
            ['A', 'Backpack & co'],
            ['B', 'Purse'],
          ]),
          sets: [{ id: 'queries', name: 'held-out pictures', result }],
          generatedAt: new Date('2026-12-04T21:00:00Z'),
          wrongShown: 2,
        },
        new Thumbnailer(),
      ),
    );
  });

  it('has a row and a bar per question type, with accuracy and abstention', () => {
    expect(html).toContain('<section id="types-queries">');
    expect(html).toContain('<tr><td>colour</td><td>20</td><td>50.0%</td><td>80.0%</td><td>20.0%</td>');
    expect(html).toContain('<title>50.0% of 80.0%</title>');
    expect(html).toMatch(/>yes-no \(n 20\)</);
    expect(html).not.toContain('<section id="truthfulness">');
  });

  it('shows the confidently wrong answers, most confident first, with their pictures, escaped', () => {
    expect(html).toContain('held-out pictures: confidently wrong answers (3)');
    const shown = [...html.matchAll(/data-sku="([^"]+)" data-confidence="([^"]+)"/g)].map(
      (m) => `${m[1]}:${m[2]}`,
    );
    expect(shown).toEqual(['A:0.970', 'B:0.810']);
    expect(html).toContain('<h3>What colour is &lt;it&gt;?</h3>');
    expect(html).toContain('expected <b>red</b>, answered <b class="fail">blue</b> with confidence 0.97');
    expect(html).toMatch(/<img src="data:image\/webp;base64,[^"]+" alt="picture of Backpack &amp; co"/);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });
});

describe('the eval-chat report', () => {
  const conversations: ChatConversation[] = [
    {
      id: 'good',
      lang: 'en',
      turns: [{ user: 'hello', intent: 'greeting', slots: {} }],
    },
    {
      id: 'bad <one>',
      lang: 'zh',
      turns: [
        { user: '红色的鞋', intent: 'search', slots: { category: 'Shoes', colour: 'red' } },
        { user: 'is the <first> one recalled?', intent: 'question', slots: {}, ref: 1, abstain: true },
      ],
    },
  ];
  const outcomes: ChatTurnOutcome[] = [
    {
      conversationId: 'good',
      lang: 'en',
      turn: 0,
      gold: conversations[0]!.turns[0]!,
      intent: 'greeting',
      slots: {},
      shown: 0,
      violations: [],
    },
    {
      conversationId: 'bad <one>',
      lang: 'zh',
      turn: 0,
      gold: conversations[1]!.turns[0]!,
      intent: 'search',
      slots: { category: 'Shoes' },
      shown: 2,
      violations: [{ kind: 'category', sku: 'VT-BAG-1', detail: 'Bags, asked Shoes' }],
    },
    {
      conversationId: 'bad <one>',
      lang: 'zh',
      turn: 1,
      gold: conversations[1]!.turns[1]!,
      intent: 'question',
      slots: {},
      expectedReference: { positions: [1] },
      reference: { positions: [1] },
      answered: true,
      violations: [],
    },
  ];

  it('names what went wrong on a turn, by the rules the metrics use', () => {
    expect(turnProblems(outcomes[0]!)).toEqual([]);
    expect(turnProblems(outcomes[1]!)).toEqual([
      'colour: expected "red", got (none)',
      'showed VT-BAG-1, against the category asked: Bags, asked Shoes',
    ]);
    expect(turnProblems(outcomes[2]!)).toEqual([
      'answered a question neither the catalog nor the picture can answer',
    ]);
    expect(turnProblems({ ...outcomes[0]!, intent: 'help', shown: 3 })).toEqual([
      'intent greeting understood as help',
      'showed 3 products where none was asked',
    ]);
  });

  it('gives every scenario its verdict and lists the failing ones turn by turn, escaped', () => {
    const html = flat(
      buildChatReport({
        mode: 'test',
        set: 'set.jsonl',
        conversations,
        outcomes,
        overall: scoreChat(outcomes),
        byLang: { en: scoreChat(outcomes.slice(0, 1)), zh: scoreChat(outcomes.slice(1)) },
        generatedAt: new Date('2026-12-04T21:00:00Z'),
      }),
    );
    for (const id of ['summary', 'scenarios', 'failures']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('Scenarios: 1 pass, 1 fail');
    expect(html).toContain(
      '<li data-verdict="pass"><span class="pass">✓</span> good <span class="meta">en · 1 turn</span></li>',
    );
    expect(html).toContain(
      '<tr><td><a href="#c-bad &lt;one&gt;">bad &lt;one&gt;</a></td><td>zh</td><td>2</td><td>2</td><td><span class="fail">fail</span></td></tr>',
    );
    const failing = html.slice(html.indexOf('data-conversation="bad &lt;one&gt;"'));
    expect(failing).toContain('2 of 2 turns failing');
    expect(failing).toContain('<li value="2" lang="zh" class="fail"> “is the &lt;first&gt; one recalled?”');
    expect(failing).toContain('<li>answered a question neither the catalog nor the picture can answer</li>');
    // The passing scenario has no failure entry.
    expect(html).not.toContain('data-conversation="good"');
    expect(html).not.toMatch(/<script|\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
  });
});
