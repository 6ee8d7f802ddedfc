import type { EmbeddingProvider } from '@vitrine/embedding';
import {
  capConfidence,
  colourDominance,
  PIXELS_MODEL_ID,
  promptsFor,
  type AttributeName,
  type ImageAnalyser,
  type PromptBank,
  type Vocabularies,
  type ZeroShotClassifier,
  type ZeroShotPrediction,
  withArticle,
} from '@vitrine/attributes';
import { cantTell, type AnswerContext, type Answerer, type VqaAnswer } from './answer';
import type { HeatmapRenderer } from './heatmap';
import type { RoutedQuestion, YesNoTarget } from './question-router';
import { categoryVote, type SimilarProductsIndex } from './similar-products';

/** Catalog neighbours that vote on a picture's category. */
export const NEIGHBOURS_K = 5;

const ATTRIBUTE_SENTENCE: { readonly [A in AttributeName]: (v: string) => string } = {
  category: (v) => `It looks like ${v}.`,
  colour: (v) => `It looks ${v}.`,
  material: (v) => `It looks like ${v}.`,
  pattern: (v) => `It has ${withArticle(v)} pattern.`,
  style: (v) => `Its style looks ${v}.`,
};

/**
 * The default answerer, on the platform's own models: colours from the picture's pixels, categories, materials,
 * patterns and styles zero-shot with the CLIP model over the configured vocabularies, yes/no by contrasting the
 * asked value with its strongest alternative. Returns its best answer and how sure it is; the caller decides what
 * is too unsure to say.
 */
export class EmbeddedAnswerer implements Answerer {
  readonly id: string;

  constructor(
    private readonly embedder: EmbeddingProvider,
    private readonly analyser: ImageAnalyser,
    private readonly classifier: ZeroShotClassifier,
    private readonly prompts: PromptBank,
    private readonly heatmaps: HeatmapRenderer,
    private readonly vocabularies: () => Promise<Vocabularies>,
    /** Catalog products by picture: when given, categories come from the nearest ones rather than zero-shot. */
    private readonly neighbours?: SimilarProductsIndex,
  ) {
    this.id = `embedded:${embedder.modelId}`;
  }

  /** The neighbours' category vote, or undefined when there is no index or nobody votes. */
  private async vote(embedding: Float32Array, context: AnswerContext) {
    if (!this.neighbours) return undefined;
    const near = await this.neighbours.nearest(embedding, NEIGHBOURS_K, context.productId);
    const vote = categoryVote(near, this.classifier.scale('similar-products'));
    return vote.length > 0 ? { vote, near } : undefined;
  }

  async answer(question: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer> {
    const a = await this.read(question, context);
    // A model's reading is never certain (a unanimous vote or a saturated softmax is not proof).
    return a.source === 'image-model' || a.source === 'similar-products'
      ? { ...a, confidence: capConfidence(a.confidence) }
      : a;
  }

  private async read(question: RoutedQuestion, context: AnswerContext): Promise<VqaAnswer> {
    const image = context.image;
    const type = question.type;
    switch (type) {
      case 'price':
      case 'brand':
      case 'size':
      case 'stock':
        return cantTell(type, `the ${type} is a catalog fact, not something a picture shows`);
      case 'catalog-text':
        return cantTell(
          type,
          'this is a fact only the catalog text can state, not something a picture shows',
        );
      case 'unknowable':
        return cantTell(type, 'neither the catalog nor the picture can settle this question');
      case 'open':
        return cantTell(
          type,
          'free-form questions need a vision-language model (ANSWERER_URL); this one answers questions about ' +
            'colour, category, material, pattern and style, and yes/no questions about them',
        );
      case 'colour':
      case 'yes-no':
      case 'category':
      case 'material':
      case 'pattern':
      case 'style':
        break;
    }
    if (!image) return cantTell(type, 'there is no picture to look at');
    if (type === 'colour') return this.colour(image, context);
    if (type === 'yes-no') return this.yesNo(question.yesNo!, image, context);
    return this.attribute(type, image, context);
  }

  private async colour(image: Uint8Array, context: AnswerContext): Promise<VqaAnswer> {
    const analysis = await this.analyser.colours(image);
    const top = analysis.named[0]!;
    const second = analysis.named[1];
    const also = second && second.share >= 0.25 ? ` and ${second.name}` : '';
    return {
      answer: `It's mostly ${top.name}${also}.`,
      value: top.name,
      answered: true,
      confidence: colourDominance(analysis),
      source: 'image-pixels',
      questionType: 'colour',
      modelId: PIXELS_MODEL_ID,
      candidates: analysis.named.map((c) => ({ value: c.name, probability: c.share })),
      explanation: `dominant colours of the picture's pixels (k-means in L*a*b*): ${analysis.named
        .slice(0, 3)
        .map((c) => `${c.name} ${Math.round(c.share * 100)}%`)
        .join(', ')}`,
      ...(context.heatmap ? { heatmap: await this.heatmaps.pixels(image, analysis, top.name) } : {}),
    };
  }

  /**
   * What both kinds of attribute question start from: the attribute's vocabulary, the picture's embedding and,
   * for categories, the vote of similar catalog products.
   */
  private async evidence(attribute: AttributeName, image: Uint8Array, context: AnswerContext) {
    const vocabulary = (await this.vocabularies())[attribute];
    const embedding = (await this.embedder.embedImage(image)).vector;
    const similar = attribute === 'category' ? await this.vote(embedding, context) : undefined;
    return { vocabulary, embedding, similar };
  }

  private async attribute(
    attribute: AttributeName,
    image: Uint8Array,
    context: AnswerContext,
  ): Promise<VqaAnswer> {
    const { vocabulary, embedding, similar } = await this.evidence(attribute, image, context);
    if (similar) {
      const top = similar.vote[0]!;
      return {
        answer: ATTRIBUTE_SENTENCE.category(top.value),
        value: top.value,
        answered: true,
        confidence: top.probability,
        source: 'similar-products',
        questionType: 'category',
        modelId: this.embedder.modelId,
        candidates: similar.vote.slice(0, 5),
        explanation: `categories of the ${similar.near.length} catalog products that look most alike, weighted by similarity (${this.classifier.calibrated('similar-products') ? 'calibrated' : 'uncalibrated'}): ${similar.vote
          .slice(0, 3)
          .map((c) => `${c.value} ${Math.round(c.probability * 100)}%`)
          .join(', ')}`,
        ...(context.heatmap
          ? { heatmap: await this.patchHeatmap(image, promptsFor(vocabulary, top.value)) }
          : {}),
      };
    }
    const p = await this.classifier.classify(embedding, vocabulary);
    return {
      answer: ATTRIBUTE_SENTENCE[attribute](p.value),
      value: p.value,
      answered: true,
      confidence: p.confidence,
      source: 'image-model',
      questionType: attribute,
      modelId: p.modelId,
      candidates: p.candidates.slice(0, 5).map((c) => ({ value: c.value, probability: c.probability })),
      explanation: explainZeroShot(p, vocabulary.labels.length),
      ...(context.heatmap
        ? { heatmap: await this.patchHeatmap(image, promptsFor(vocabulary, p.value)) }
        : {}),
    };
  }

  private async yesNo(target: YesNoTarget, image: Uint8Array, context: AnswerContext): Promise<VqaAnswer> {
    switch (target.kind) {
      case 'stock':
        return cantTell('yes-no', 'stock is a catalog fact, not something a picture shows');
      case 'attribute':
        return target.attribute === 'colour'
          ? this.colourYesNo(target.value, image, context)
          : this.attributeYesNo(target.attribute, target.value, image, context);
      case 'object': {
        const vocab = (await this.vocabularies()).category;
        const words = new Set(target.target.toLowerCase().split(/\W+/));
        const alternatives = vocab.labels
          .filter(
            (l) =>
              !l
                .toLowerCase()
                .split(/\W+/)
                .some((w) => words.has(w) || words.has(w.replace(/s$/, ''))),
          )
          .map((l) => ({ name: l, prompts: promptsFor(vocab, l) }));
        alternatives.push({
          name: 'something else',
          prompts: ['something else', 'a photo of something else'],
        });
        const prompts = [
          target.target,
          `a photo of ${withArticle(target.target)}`,
          withArticle(target.target),
        ];
        return this.contrastAnswer(image, prompts, alternatives, target.target, context);
      }
      case 'feature': {
        const f = target.feature;
        const prompts = [`a product with ${f}`, `a photo of something with ${f}`];
        const without = {
          name: `without ${f}`,
          prompts: [`a product without ${f}`, `a photo of something without ${f}`],
        };
        const seen = await this.contrastAnswer(image, prompts, [without], f, context);
        // A part the picture does not show may still be there (inside, underneath, in the box): a picture can
        // say yes to a feature, never no.
        return seen.value === 'no'
          ? cantTell(
              'yes-no',
              `"${f}" is not visible in the picture, which does not mean the product lacks it`,
              {
                confidence: seen.confidence,
                source: 'image-model',
                modelId: this.classifier.modelId,
              },
            )
          : seen;
      }
    }
  }

  private async colourYesNo(colour: string, image: Uint8Array, context: AnswerContext): Promise<VqaAnswer> {
    const analysis = await this.analyser.colours(image);
    const pYes = colourDominance(analysis, colour);
    const top = analysis.named[0]!;
    const yes = pYes >= 0.5;
    return {
      answer: yes ? `Yes, it's mostly ${colour}.` : `No, it looks mostly ${top.name}.`,
      value: yes ? 'yes' : 'no',
      answered: true,
      confidence: yes ? pYes : 1 - pYes,
      source: 'image-pixels',
      questionType: 'yes-no',
      modelId: PIXELS_MODEL_ID,
      candidates: analysis.named.map((c) => ({ value: c.name, probability: c.share })),
      explanation: `${colour} covers ${Math.round((analysis.named.find((c) => c.name === colour)?.share ?? 0) * 100)}% of the product's pixels; the largest colour is ${top.name} (${Math.round(top.share * 100)}%)`,
      ...(context.heatmap ? { heatmap: await this.heatmaps.pixels(image, analysis, colour) } : {}),
    };
  }

  private async attributeYesNo(
    attribute: AttributeName,
    value: string,
    image: Uint8Array,
    context: AnswerContext,
  ): Promise<VqaAnswer> {
    const { vocabulary, embedding, similar } = await this.evidence(attribute, image, context);
    if (similar) {
      const share = similar.vote.find((c) => c.value === value)?.probability ?? 0;
      const rival = similar.vote.find((c) => c.value !== value);
      const pYes = share + (rival?.probability ?? 0) > 0 ? share / (share + (rival?.probability ?? 0)) : 0.5;
      const yes = pYes >= 0.5;
      return {
        answer: yes ? `Yes, it looks like ${value}.` : `No, it looks more like ${similar.vote[0]!.value}.`,
        value: yes ? 'yes' : 'no',
        answered: true,
        confidence: yes ? pYes : 1 - pYes,
        source: 'similar-products',
        questionType: 'yes-no',
        modelId: this.embedder.modelId,
        candidates: similar.vote.slice(0, 5),
        explanation: `${value} against ${rival?.value ?? 'nothing else'} among the categories of the ${similar.near.length} most alike catalog products`,
      };
    }
    const p = await this.classifier.classify(embedding, vocabulary);
    const pt = p.candidates.find((c) => c.value === value)?.probability ?? 0;
    const rival = p.candidates.find((c) => c.value !== value);
    const pYes = pt + (rival?.probability ?? 0) > 0 ? pt / (pt + (rival?.probability ?? 0)) : 0.5;
    const yes = pYes >= 0.5;
    return {
      answer: yes
        ? `Yes, it looks ${attribute === 'category' ? 'like ' : ''}${value}.`
        : `No, it looks more like ${p.value}.`,
      value: yes ? 'yes' : 'no',
      answered: true,
      confidence: yes ? pYes : 1 - pYes,
      source: 'image-model',
      questionType: 'yes-no',
      modelId: p.modelId,
      candidates: p.candidates.slice(0, 5).map((c) => ({ value: c.value, probability: c.probability })),
      explanation: `${value} against the strongest alternative (${rival?.value ?? 'none'}) among ${vocabulary.labels.length} ${attribute} values, zero-shot`,
      ...(context.heatmap ? { heatmap: await this.patchHeatmap(image, promptsFor(vocabulary, value)) } : {}),
    };
  }

  private async contrastAnswer(
    image: Uint8Array,
    prompts: readonly string[],
    alternatives: ReadonlyArray<{ readonly name: string; readonly prompts: readonly string[] }>,
    what: string,
    context: AnswerContext,
  ): Promise<VqaAnswer> {
    const embedding = (await this.embedder.embedImage(image)).vector;
    const c = await this.classifier.contrast(embedding, prompts, alternatives);
    const yes = c.pYes >= 0.5;
    return {
      answer: yes ? 'Yes.' : 'No.',
      value: yes ? 'yes' : 'no',
      answered: true,
      confidence: yes ? c.pYes : 1 - c.pYes,
      source: 'image-model',
      questionType: 'yes-no',
      modelId: this.classifier.modelId,
      explanation: `"${what}" against the strongest contrasting prompt (${c.strongestAlternative ?? 'none'}), zero-shot${c.calibrated ? ', calibrated' : ''}`,
      ...(context.heatmap ? { heatmap: await this.patchHeatmap(image, prompts) } : {}),
    };
  }

  private async patchHeatmap(image: Uint8Array, prompts: readonly string[]) {
    return this.heatmaps.patches(image, await this.prompts.ensemble(prompts), prompts[0]!);
  }
}

function explainZeroShot(p: ZeroShotPrediction, n: number): string {
  return (
    `zero-shot over ${n} ${p.attribute} values with prompt ensembles (${p.calibrated ? 'calibrated' : 'uncalibrated'} ` +
    `softmax): ${p.candidates
      .slice(0, 3)
      .map((c) => `${c.value} ${Math.round(c.probability * 100)}%`)
      .join(', ')}`
  );
}
