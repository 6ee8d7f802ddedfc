import { Logger } from '@nestjs/common';
import { DomainError, NotFoundError } from '@vitrine/core';
import type { Product, ProductRepository } from '@vitrine/catalog';
import type { ImageSource } from '@vitrine/embedding';
import {
  usableAsFact,
  type AttributeRepository,
  type ColourNamer,
  type ImageAnalyser,
  type VocabularyProvider,
} from '@vitrine/attributes';
import { cantTell, type AnswerContext, type Answerer, type VqaAnswer } from './answer';
import { answerFromCatalog, factLines, unknowableAnswer } from './catalog-facts';
import { inChinese } from './chinese-replies';
import { validateQuestion, type QuestionRouter, type RoutedQuestion } from './question-router';

export interface AskOptions {
  /** Compute a heatmap of the picture regions that matched the answer. */
  readonly heatmap?: boolean;
}

export interface VqaSettings {
  /** Below this confidence the answer is "I can't tell" (VQA_MIN_CONFIDENCE). */
  readonly minConfidence: number;
  /** Stored attributes below this confidence are not used as facts. */
  readonly attributeMinConfidence: number;
}

export interface VqaDependencies {
  readonly products: Pick<ProductRepository, 'getById'>;
  readonly attributes: Pick<AttributeRepository, 'forProduct'>;
  readonly images: Pick<ImageSource, 'load'>;
  readonly analyser: ImageAnalyser;
  readonly colours: ColourNamer;
  readonly router: QuestionRouter;
  readonly vocabularies: VocabularyProvider;
  /** The default answerer on the platform's models. */
  readonly embedded: Answerer;
  /** The OpenAI-compatible endpoint, when ANSWERER_URL is configured. */
  readonly remote?: Answerer;
}

/**
 * Product visual question answering. Each answer comes from the best evidence available: catalog facts for what
 * the catalog knows (price, brand, stock, size, the merchant's attributes, attributes extracted and stored
 * earlier), the picture otherwise (pixels for colour, zero-shot CLIP for the rest). Free-form questions, other
 * languages and answers the embedded models are unsure of go to the OpenAI-compatible answerer when one is
 * configured. Below `minConfidence` the answer is "I can't tell", with the evidence it had.
 */
export class VqaService {
  private readonly log = new Logger('Vqa');

  constructor(
    private readonly deps: VqaDependencies,
    private readonly settings: VqaSettings,
  ) {}

  /** Whether a free-form answerer is configured. */
  get hasRemote(): boolean {
    return this.deps.remote !== undefined;
  }

  /** `NOT_FOUND` for an unknown product, `VALIDATION_FAILED` for an empty or overlong question. */
  async askAboutProduct(productId: string, question: string, options: AskOptions = {}): Promise<VqaAnswer> {
    const a = await this.answerAboutProduct(productId, question, options);
    return this.inQuestionLanguage(a, question);
  }

  /** A Chinese question gets a Chinese sentence (the value, evidence and explanation stay as they are). */
  private inQuestionLanguage(a: VqaAnswer, question: string): VqaAnswer {
    return /\p{Script=Han}/u.test(question) && !/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(question)
      ? inChinese(a)
      : a;
  }

  private async answerAboutProduct(
    productId: string,
    question: string,
    options: AskOptions,
  ): Promise<VqaAnswer> {
    await this.deps.vocabularies.get();
    const asked = validateQuestion(question);
    const product = await this.deps.products.getById(productId);
    if (!product) throw new NotFoundError('product', productId);
    // The product's own name is not part of the question: "what fabric is the safety pin?" asks no safety question.
    const routed = { ...this.deps.router.route(withoutTitle(asked, product.title)), text: asked };
    const stored = await this.deps.attributes.forProduct(product.id);
    const facts = factLines(
      product,
      stored.filter((s) => usableAsFact(s, product, this.settings.attributeMinConfidence)),
    );

    if (!understood(routed)) {
      return this.otherLanguage(routed, facts, () => this.productImage(product));
    }
    const known = answerFromCatalog(
      routed,
      product,
      stored,
      this.deps.colours,
      this.settings.attributeMinConfidence,
    );
    if (known) {
      if (!known.answered || !options.heatmap || !isVisual(routed)) return known;
      // A catalog answer about the picture can still show where it is.
      const image = await this.productImage(product);
      if (!image.bytes) return known;
      const seen = await this.deps.embedded.answer(routed, {
        image: image.bytes,
        heatmap: true,
        productId: product.id,
      });
      return seen.heatmap ? { ...known, heatmap: seen.heatmap } : known;
    }
    const image = await this.productImage(product);
    if (!image.bytes && routed.type !== 'open') return cantTell(routed.type, image.reason);
    return this.fromPicture(routed, {
      ...(image.bytes ? { image: image.bytes } : {}),
      facts,
      heatmap: !!options.heatmap,
      productId: product.id,
    });
  }

  /** About an uploaded picture: no catalog facts. Bad images are `DomainError`s (415/422/413 over HTTP). */
  async askAboutImage(image: Uint8Array, question: string, options: AskOptions = {}): Promise<VqaAnswer> {
    return this.inQuestionLanguage(await this.answerAboutImage(image, question, options), question);
  }

  private async answerAboutImage(
    image: Uint8Array,
    question: string,
    options: AskOptions,
  ): Promise<VqaAnswer> {
    await this.deps.vocabularies.get();
    const routed = this.deps.router.route(question);
    // Decoding once up front turns a bad upload into its own error instead of an answer about nothing.
    await this.deps.analyser.colours(image);
    if (routed.type === 'unknowable') return unknowableAnswer(routed);
    if (!understood(routed)) return this.otherLanguage(routed, [], () => Promise.resolve({ bytes: image }));
    return this.fromPicture(routed, { image, heatmap: !!options.heatmap });
  }

  private async fromPicture(routed: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer> {
    const { remote } = this.deps;
    if (routed.type === 'open') {
      // The router could not place the question: only a free-form answerer may try; otherwise abstain.
      return remote
        ? this.threshold(await this.tryRemote(routed, context), routed)
        : cantTell(
            routed.type,
            'the question is not one this answerer understands (colour, category, material, pattern, style, ' +
              'catalog facts); free-form questions need a vision-language model (ANSWERER_URL)',
          );
    }
    const local = await this.deps.embedded.answer(routed, context);
    if (local.answered && local.confidence >= this.settings.minConfidence) return local;
    if (remote && context.image) {
      const other = await this.tryRemote(routed, context);
      if (other.answered && other.confidence >= this.settings.minConfidence) return other;
    }
    return this.threshold(local, routed);
  }

  private async otherLanguage(
    routed: RoutedQuestion,
    facts: readonly string[],
    image: () => Promise<{ bytes?: Uint8Array }>,
  ): Promise<VqaAnswer> {
    if (!this.deps.remote) {
      return cantTell(
        routed.type,
        `the question looks like it is in another language (${routed.language.code}); without a multilingual ` +
          'answerer (ANSWERER_URL) only English and Chinese questions are understood',
      );
    }
    const { bytes } = await image();
    return this.threshold(
      await this.tryRemote(routed, { ...(bytes ? { image: bytes } : {}), facts }),
      routed,
    );
  }

  /** The remote answer, or "I can't tell" naming the failure: a down endpoint degrades answers, never the API. */
  private async tryRemote(routed: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer> {
    try {
      return await this.deps.remote!.answer(routed, context);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.log.warn(`remote answerer failed: ${e.message}`);
      return cantTell(routed.type, `the vision-language answerer is unavailable (${e.message})`, {
        source: 'remote-model',
      });
    }
  }

  private threshold(answer: VqaAnswer, routed: RoutedQuestion): VqaAnswer {
    if (!answer.answered || answer.confidence >= this.settings.minConfidence) return answer;
    return cantTell(
      routed.type,
      `not sure enough: the best answer was "${answer.value ?? ''}" at ${Math.round(answer.confidence * 100)}% ` +
        `(the threshold is ${Math.round(this.settings.minConfidence * 100)}%); ${answer.explanation}`,
      {
        confidence: answer.confidence,
        source: answer.source,
        ...(answer.candidates ? { candidates: answer.candidates } : {}),
        ...(answer.modelId ? { modelId: answer.modelId } : {}),
        ...(answer.heatmap ? { heatmap: answer.heatmap } : {}),
      },
    );
  }

  private async productImage(product: Product): Promise<{ bytes?: Uint8Array; reason: string }> {
    const first = product.images[0];
    if (!first) return { reason: 'the product has no picture to look at' };
    try {
      return { bytes: await this.deps.images.load(first.uri), reason: '' };
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      this.log.warn(`picture of ${product.sku} could not be loaded: ${e.message}`);
      return { reason: `the product's picture could not be loaded (${e.code})` };
    }
  }
}

/** English, or a Chinese question the router placed (its unplaced ones go where other languages go). */
function understood(q: RoutedQuestion): boolean {
  return q.language.code === 'en' || (q.language.code === 'zh' && q.type !== 'open');
}

/**
 * The question with the product's name (its title, or the title without leading words: "the safety vest" for
 * "Urban Safety Vest") replaced by "it", so words of the name do not route the question.
 */
export function withoutTitle(question: string, title: string): string {
  const words = title
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  for (let from = 0; from < words.length; from++) {
    const name = words.slice(from).join(' ');
    if (name.length < 4) break;
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(?:\\b(?:the|this|that|your|a|an)\\s+)?\\b${escaped}\\b`, 'i');
    if (re.test(question)) return question.replace(re, 'it');
  }
  return question;
}

function isVisual(q: RoutedQuestion): boolean {
  switch (q.type) {
    case 'colour':
    case 'material':
    case 'pattern':
    case 'style':
    case 'category':
      return true;
    case 'yes-no':
      return q.yesNo?.kind !== 'stock';
    case 'brand':
    case 'price':
    case 'size':
    case 'stock':
    case 'catalog-text':
    case 'unknowable':
    case 'open':
      return false;
  }
}
