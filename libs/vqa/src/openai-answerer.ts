import sharp from 'sharp';
import type { ChatCompletionsClient, ChatPart } from '@vitrine/chat';
import { CANT_TELL, cantTell, type AnswerContext, type Answerer, type VqaAnswer } from './answer';
import type { RoutedQuestion } from './question-router';

/** Longest side of the picture sent to the remote model (vision-language models tile or downscale beyond this). */
export const REMOTE_IMAGE_MAX_SIDE = 768;

const SYSTEM = [
  "You answer a shopper's question about one product.",
  'Use only what the picture and the listed facts show; never guess or invent details.',
  'Answer in the language of the question, in one short sentence.',
  'Reply with JSON only: {"answer": "<your answer>", "confidence": <number from 0 to 1>}.',
  `If the picture and the facts do not show the answer, reply {"answer": "${CANT_TELL}", "confidence": 0}.`,
].join(' ');

/**
 * Answers free-form questions with a vision-language model behind an OpenAI-compatible chat-completions endpoint
 * (configured by ANSWERER_URL / ANSWERER_MODEL / ANSWERER_API_KEY): the question and the catalog facts as text,
 * the picture as a PNG data URL (`image_url`). The model's own confidence is self-reported: treated as a
 * probability, it is only as good as the model's calibration.
 */
export class OpenAiCompatibleAnswerer implements Answerer {
  readonly id: string;

  constructor(private readonly client: ChatCompletionsClient) {
    this.id = `remote:${client.model}`;
  }

  async answer(question: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer> {
    const lines = [
      ...(context.facts?.length ? ['Facts:', ...context.facts.map((f) => `- ${f}`)] : ['Facts: none']),
      `Question: ${question.text}`,
    ];
    const content: ChatPart[] = [{ type: 'text', text: lines.join('\n') }];
    if (context.image)
      content.push({ type: 'image_url', image_url: { url: await pngDataUrl(context.image) } });
    const completion = await this.client.complete([
      { role: 'system', content: SYSTEM },
      { role: 'user', content },
    ]);
    const parsed = parseAnswer(completion.text);
    const explanation = `answered by ${completion.model} from ${context.image ? 'the picture and ' : ''}${
      context.facts?.length ? 'the catalog facts' : 'no catalog facts'
    }${parsed.confidence === undefined ? '; the model reported no confidence' : ' (self-reported confidence)'}`;
    if (parsed.cantTell || parsed.answer === '') {
      return cantTell(question.type, explanation, { source: 'remote-model', modelId: completion.model });
    }
    return {
      answer: parsed.answer,
      value: parsed.answer,
      answered: true,
      confidence: parsed.confidence ?? 0.5,
      source: 'remote-model',
      questionType: question.type,
      modelId: completion.model,
      explanation,
    };
  }
}

/** The picture as `data:image/png;base64,…`, oriented, on white, at most {@link REMOTE_IMAGE_MAX_SIDE} px. */
export async function pngDataUrl(image: Uint8Array): Promise<string> {
  const png = await sharp(image, { pages: 1 })
    .rotate()
    .flatten({ background: '#ffffff' })
    .resize(REMOTE_IMAGE_MAX_SIDE, REMOTE_IMAGE_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** Reads `{"answer", "confidence"}` from a reply, tolerating code fences and prose around the JSON. */
export function parseAnswer(text: string): { answer: string; confidence?: number; cantTell: boolean } {
  const stripped = text.replace(/```(?:json)?/gi, '').trim();
  const block = /\{[\s\S]*\}/.exec(stripped)?.[0];
  let answer = stripped;
  let confidence: number | undefined;
  if (block) {
    try {
      const json = JSON.parse(block) as { answer?: unknown; confidence?: unknown };
      if (typeof json.answer === 'string') answer = json.answer.trim();
      if (typeof json.confidence === 'number' && Number.isFinite(json.confidence))
        confidence = Math.min(1, Math.max(0, json.confidence));
    } catch {
      // Not JSON after all: keep the text as the answer.
    }
  }
  answer = answer.slice(0, 1000);
  const cantTellAnswer = /^(i can(?:'|no)t tell|i don'?t know|unknown|not sure)\b/i.test(answer);
  return { answer, ...(confidence !== undefined ? { confidence } : {}), cantTell: cantTellAnswer };
}
