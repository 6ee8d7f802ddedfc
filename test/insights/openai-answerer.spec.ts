import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DomainError } from '@vitrine/core';
import { ColourNamer, DEFAULT_VOCABULARIES } from '@vitrine/attributes';
import { ChatCompletionsClient } from '@vitrine/chat';
import { OpenAiCompatibleAnswerer, parseAnswer, QuestionRouter } from '@vitrine/vqa';
import { DEMO_DIR } from './demo-products';
import { FakeChatServer } from './fake-chat-server';

const router = new QuestionRouter(() => DEFAULT_VOCABULARIES, new ColourNamer());
const image = readFileSync(join(DEMO_DIR, 'queries/red-apple.png'));

describe('OpenAiCompatibleAnswerer against a local OpenAI-compatible server', () => {
  let server: FakeChatServer;
  const answerer = (timeoutMs = 5000) =>
    new OpenAiCompatibleAnswerer(
      new ChatCompletionsClient({ url: server.url, model: 'qwen2-vl-7b', apiKey: 'sk-test', timeoutMs }),
    );

  beforeAll(async () => {
    server = await FakeChatServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('sends the question, the facts and the picture as a PNG data URL to POST /v1/chat/completions', async () => {
    server.reply({ content: '{"answer": "It has a leaf on top.", "confidence": 0.8}' });
    const answer = await answerer().answer(router.route('Is there anything on top?'), {
      image,
      facts: ['title: Red Apple', 'price: EUR 0.99'],
    });
    expect(answer).toMatchObject({
      answer: 'It has a leaf on top.',
      answered: true,
      confidence: 0.8,
      source: 'remote-model',
      modelId: 'qwen2-vl-7b',
    });

    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.headers['content-type']).toBe('application/json');
    const body = req.body as {
      model: string;
      stream: boolean;
      messages: {
        role: string;
        content: string | { type: string; text?: string; image_url?: { url: string } }[];
      }[];
    };
    expect(body.model).toBe('qwen2-vl-7b');
    expect(body.stream).toBe(false);
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const parts = body.messages[1]!.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url']);
    expect(parts[0]!.text).toContain('Question: Is there anything on top?');
    expect(parts[0]!.text).toContain('- price: EUR 0.99');
    const url = parts[1]!.image_url!.url;
    expect(url).toMatch(/^data:image\/png;base64,/);
    // The data URL is a real PNG of the picture.
    const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(0);
  });

  it('turns the model\'s "I can\'t tell" into an unanswered answer', async () => {
    server.reply({ content: '```json\n{"answer": "I can\'t tell", "confidence": 0}\n```' });
    const answer = await answerer().answer(router.route('Is it waterproof?'), { image });
    expect(answer).toMatchObject({ answered: false, value: null, source: 'remote-model' });
  });

  it('keeps a reply that is not JSON as the answer, with a neutral confidence', async () => {
    server.reply({ content: 'It is an apple.' });
    const answer = await answerer().answer(router.route('What fruit is it?'), { image });
    expect(answer).toMatchObject({ answer: 'It is an apple.', answered: true, confidence: 0.5 });
    expect(answer.explanation).toMatch(/reported no confidence/);
  });

  it('reports server errors and timeouts as UNAVAILABLE, transient or not', async () => {
    server.reply({ status: 503, raw: '{"error":"overloaded"}' });
    const e503 = await answerer()
      .answer(router.route('Is it ripe?'), { image })
      .catch((e: unknown) => e);
    expect(e503).toBeInstanceOf(DomainError);
    expect(e503).toMatchObject({ code: 'UNAVAILABLE', transient: true });

    server.reply({ status: 401, raw: '{"error":"bad key"}' });
    const e401 = await answerer()
      .answer(router.route('Is it ripe?'), { image })
      .catch((e: unknown) => e);
    expect(e401).toMatchObject({ code: 'UNAVAILABLE', transient: false, message: /HTTP 401/ });

    server.reply({ hang: true });
    const started = Date.now();
    const slow = await answerer(300)
      .answer(router.route('Is it ripe?'), { image })
      .catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'UNAVAILABLE', transient: true, message: /did not respond/ });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('parseAnswer', () => {
  it.each([
    ['{"answer": "Blue", "confidence": 0.7}', { answer: 'Blue', confidence: 0.7, cantTell: false }],
    ['Sure! {"answer": "Yes", "confidence": 1.4}', { answer: 'Yes', confidence: 1, cantTell: false }],
    [
      '{"answer": "I cannot tell from the picture"}',
      { answer: 'I cannot tell from the picture', cantTell: true },
    ],
    ['plain text', { answer: 'plain text', cantTell: false }],
  ])('%j', (text, expected) => {
    expect(parseAnswer(text)).toEqual(expected);
  });
});
