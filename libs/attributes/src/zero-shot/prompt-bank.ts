import { meanDirection, type EmbeddingProvider } from '@vitrine/embedding';
import { promptsFor, type Vocabulary } from './vocabularies';

/**
 * Text embeddings of labels (prompt ensembles) and of free prompts, computed once per text for the provider's
 * model: vocabularies are embedded in one batched call the first time they are used, so an attribute job or a
 * question costs one image embedding, not hundreds of text embeddings.
 */
export class PromptBank {
  private readonly labels = new Map<string, Promise<Float32Array[]>>();
  private readonly texts = new Map<string, Promise<Float32Array>>();

  constructor(
    private readonly embedder: EmbeddingProvider,
    /** Free prompts kept (question-specific ones are unbounded): oldest evicted first. */
    private readonly maxTexts = 5000,
  ) {}

  get modelId(): string {
    return this.embedder.modelId;
  }

  /** One unit vector per label of `vocabulary`, in label order. */
  labelEmbeddings(vocabulary: Vocabulary): Promise<Float32Array[]> {
    const key = JSON.stringify([vocabulary.labels, vocabulary.templates]);
    let cached = this.labels.get(key);
    if (!cached) {
      cached = this.embedLabels(vocabulary);
      // A failed batch (model closing, overload) must not poison the cache.
      cached.catch(() => this.labels.delete(key));
      this.labels.set(key, cached);
    }
    return cached;
  }

  /** The ensemble embedding of several phrasings of one thing (e.g. the prompts of a yes/no target). */
  async ensemble(prompts: readonly string[]): Promise<Float32Array> {
    return meanDirection(await Promise.all(prompts.map((p) => this.text(p))));
  }

  private text(prompt: string): Promise<Float32Array> {
    let cached = this.texts.get(prompt);
    if (!cached) {
      cached = this.embedder.embedText(prompt).then((e) => e.vector);
      cached.catch(() => this.texts.delete(prompt));
      if (this.texts.size >= this.maxTexts) this.texts.delete(this.texts.keys().next().value!);
      this.texts.set(prompt, cached);
    }
    return cached;
  }

  private async embedLabels(vocabulary: Vocabulary): Promise<Float32Array[]> {
    const prompts = vocabulary.labels.map((l) => promptsFor(vocabulary, l));
    const flat = await this.embedder.embedTexts(prompts.flat());
    const out: Float32Array[] = [];
    let i = 0;
    for (const p of prompts) {
      out.push(meanDirection(flat.slice(i, i + p.length).map((e) => e.vector)));
      i += p.length;
    }
    return out;
  }
}
