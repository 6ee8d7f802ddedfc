import { request } from 'undici';
import { DomainError } from '@vitrine/core';

/** Where an OpenAI-compatible chat-completions endpoint lives (AppConfig.insights.answerer). */
export interface ChatCompletionsSettings {
  /** Base URL including the version segment, e.g. `http://gpu-host:8000/v1`; `/chat/completions` is appended. */
  readonly url: string;
  readonly model: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs: number;
}

export type ChatPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { readonly url: string } };

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string | readonly ChatPart[];
}

export interface ChatCompletion {
  readonly text: string;
  /** The model the server says answered (may differ from the one asked for, e.g. an alias). */
  readonly model: string;
}

/** Largest response body read (an answer or a description, not a book). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * A minimal client of the OpenAI chat-completions protocol (`POST {url}/chat/completions`), as vLLM, TGI, Ollama,
 * llama.cpp's server and OpenAI itself speak it: one non-streaming completion, temperature 0 by default.
 * Failures are `DomainError('UNAVAILABLE')` with `details.transient` true for timeouts, network errors, 429 and
 * 5xx, false for other 4xx (a wrong model name or key does not fix itself).
 */
export class ChatCompletionsClient {
  private readonly endpoint: string;

  constructor(private readonly settings: ChatCompletionsSettings) {
    this.endpoint = `${settings.url.replace(/\/+$/, '')}/chat/completions`;
  }

  get model(): string {
    return this.settings.model;
  }

  async complete(
    messages: readonly ChatMessage[],
    options: { readonly maxTokens?: number; readonly temperature?: number } = {},
  ): Promise<ChatCompletion> {
    const body = JSON.stringify({
      model: this.settings.model,
      messages,
      temperature: options.temperature ?? 0,
      max_tokens: options.maxTokens ?? 300,
      stream: false,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    let status: number;
    let text: string;
    try {
      const res = await request(this.endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      status = res.statusCode;
      text = await readLimited(res.body);
    } catch (e) {
      throw new DomainError(
        'UNAVAILABLE',
        `the answerer at ${this.endpoint} did not respond: ${(e as Error).message}`,
        { transient: true },
        { cause: e },
      );
    }
    if (status < 200 || status >= 300) {
      throw new DomainError('UNAVAILABLE', `the answerer returned HTTP ${status}: ${text.slice(0, 300)}`, {
        status,
        transient: status === 429 || status >= 500,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new DomainError('UNAVAILABLE', 'the answerer returned a body that is not JSON', {
        transient: false,
      });
    }
    const choice = (json as { choices?: { message?: { content?: unknown } }[] }).choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      throw new DomainError('UNAVAILABLE', 'the answerer returned no message content', { transient: false });
    }
    const model = (json as { model?: unknown }).model;
    return { text: content, model: typeof model === 'string' ? model : this.settings.model };
  }
}

async function readLimited(body: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_RESPONSE_BYTES) throw new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
