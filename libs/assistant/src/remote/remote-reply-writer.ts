import type { ChatCompletionsClient } from '@vitrine/chat';
import type { Lang } from '@vitrine/nlu';
import type { ReplyFacts } from './checked-reply';

/** Writes the reply of a turn from the turn's facts; null when it cannot (the template is used). */
export interface ReplyWriter {
  readonly id: string;
  write(input: {
    readonly lang: Lang;
    readonly message: string;
    readonly draft: string;
    readonly facts: ReplyFacts;
  }): Promise<string | null>;
}

const SYSTEM =
  'You are the shopping assistant of an online shop. Rewrite the DRAFT reply to the customer so it reads naturally, ' +
  'in the language given. Use only the products, prices and attributes in FACTS, exactly as written there; never ' +
  'add a product, a price, a number, a material, a colour or any property that FACTS do not state, and never promise ' +
  'anything about delivery, returns or payment. Keep the products in the order of the draft. Reply with the text only.';

/** A remote model (OpenAI-compatible, `ANSWERER_URL`) writes the reply; its text is checked by the caller. */
export class RemoteReplyWriter implements ReplyWriter {
  constructor(private readonly client: ChatCompletionsClient) {}

  get id(): string {
    return `remote:${this.client.model}`;
  }

  async write(input: Parameters<ReplyWriter['write']>[0]): Promise<string | null> {
    const facts = {
      constraints: input.facts.constraints,
      products: input.facts.products.map((p, i) => ({ position: i + 1, ...p })),
    };
    const completion = await this.client.complete(
      [
        { role: 'system', content: SYSTEM },
        {
          role: 'user',
          content: `LANGUAGE: ${input.lang === 'zh' ? 'Simplified Chinese' : 'English'}\nCUSTOMER: ${input.message}\nFACTS: ${JSON.stringify(facts)}\nDRAFT: ${input.draft}`,
        },
      ],
      { maxTokens: 400 },
    );
    const text = completion.text.trim();
    return text.length > 0 ? text : null;
  }
}
