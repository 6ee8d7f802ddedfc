import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake endpoint received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export type Reply =
  | { readonly status?: number; readonly content: string; readonly model?: string }
  | { readonly status: number; readonly raw: string }
  | { readonly hang: true }
  /** The model asks for tool calls (OpenAI function calling); `arguments` is sent as written (JSON text). */
  | {
      readonly toolCalls: readonly { readonly name: string; readonly arguments: string }[];
      readonly content?: string | null;
      readonly model?: string;
    };

/**
 * A local stand-in for an OpenAI-compatible vision-language server on 127.0.0.1: it speaks
 * `POST /v1/chat/completions` (404 elsewhere), records every request, and answers with the next scripted reply
 * (the last one repeats).
 */
export class FakeChatServer {
  readonly requests: ReceivedRequest[] = [];
  private replies: Reply[] = [{ content: '{"answer": "red", "confidence": 0.9}' }];
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the raw text
        }
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        const reply = this.replies.length > 1 ? this.replies.shift()! : this.replies[0]!;
        if ('hang' in reply) {
          this.hanging.add(res);
          return;
        }
        if ('raw' in reply) {
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.raw);
          return;
        }
        const model = reply.model ?? (body as { model?: string }).model ?? 'fake-vlm';
        if ('toolCalls' in reply) {
          const toolCalls = reply.toolCalls.map((c, i) => ({
            id: `call_${this.requests.length}_${i}`,
            type: 'function',
            function: { name: c.name, arguments: c.arguments },
          }));
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              id: 'chatcmpl-1',
              object: 'chat.completion',
              model,
              choices: [
                {
                  index: 0,
                  finish_reason: 'tool_calls',
                  message: { role: 'assistant', content: reply.content ?? null, tool_calls: toolCalls },
                },
              ],
            }),
          );
          return;
        }
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model,
            choices: [
              { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply.content } },
            ],
          }),
        );
      });
    });
  }

  static async start(): Promise<FakeChatServer> {
    const s = new FakeChatServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  /** Base URL to configure as ANSWERER_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  reply(...replies: Reply[]): void {
    this.replies = replies;
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
