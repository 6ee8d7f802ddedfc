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

/** A function the model may call (OpenAI `tools` entry); `parameters` is a JSON Schema of its arguments. */
export interface ChatTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** A call the model asked for. `arguments` is the raw text the model wrote (JSON, unless the model erred). */
export interface ChatToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** The messages of a conversation with tools: the model's tool calls, and the results sent back. */
export type ToolChatMessage =
  | ChatMessage
  | {
      readonly role: 'assistant';
      readonly content: string | null;
      readonly tool_calls: readonly {
        readonly id: string;
        readonly type: 'function';
        readonly function: { readonly name: string; readonly arguments: string };
      }[];
    }
  | { readonly role: 'tool'; readonly tool_call_id: string; readonly content: string };

/** A completion that may ask for tool calls instead of (or besides) replying. */
export interface ToolCompletion {
  /** The reply, null when the model only called tools. */
  readonly text: string | null;
  readonly toolCalls: readonly ChatToolCall[];
  readonly model: string;
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
    const json = await this.post({
      model: this.settings.model,
      messages,
      temperature: options.temperature ?? 0,
      max_tokens: options.maxTokens ?? 300,
      stream: false,
    });
    const choice = (json as { choices?: { message?: { content?: unknown } }[] }).choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      throw new DomainError('UNAVAILABLE', 'the answerer returned no message content', { transient: false });
    }
    return { text: content, model: this.modelOf(json) };
  }

  /**
   * One completion offered `tools` (OpenAI function calling, `tool_choice: auto`): the model replies, or asks for
   * tool calls, whose results the caller sends back as `role: "tool"` messages. A call's arguments are returned as
   * written, unchecked. A response with neither text nor tool calls is `UNAVAILABLE`.
   */
  async completeWithTools(
    messages: readonly ToolChatMessage[],
    tools: readonly ChatTool[],
    options: { readonly maxTokens?: number; readonly temperature?: number } = {},
  ): Promise<ToolCompletion> {
    const json = await this.post({
      model: this.settings.model,
      messages,
      tools: tools.map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.parameters },
      })),
      tool_choice: 'auto',
      temperature: options.temperature ?? 0,
      max_tokens: options.maxTokens ?? 500,
      stream: false,
    });
    const message = (json as { choices?: { message?: { content?: unknown; tool_calls?: unknown } }[] })
      .choices?.[0]?.message;
    const content = typeof message?.content === 'string' ? message.content : null;
    const rawCalls: unknown[] = Array.isArray(message?.tool_calls) ? (message.tool_calls as unknown[]) : [];
    const toolCalls = rawCalls.map((raw, i): ChatToolCall => {
      const call = (raw ?? {}) as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
      const args = call.function?.arguments;
      return {
        id: typeof call.id === 'string' && call.id ? call.id : `call_${i}`,
        name: typeof call.function?.name === 'string' ? call.function.name : '',
        // Some servers send the arguments as an object rather than a JSON string.
        arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
      };
    });
    if (content === null && toolCalls.length === 0) {
      throw new DomainError('UNAVAILABLE', 'the answerer returned neither content nor tool calls', {
        transient: false,
      });
    }
    return { text: content, toolCalls, model: this.modelOf(json) };
  }

  private modelOf(json: unknown): string {
    const model = (json as { model?: unknown }).model;
    return typeof model === 'string' ? model : this.settings.model;
  }

  /** POSTs one request body and returns the parsed JSON response; every failure is `UNAVAILABLE`. */
  private async post(payload: Record<string, unknown>): Promise<unknown> {
    const body = JSON.stringify(payload);
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
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new DomainError('UNAVAILABLE', 'the answerer returned a body that is not JSON', {
        transient: false,
      });
    }
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
