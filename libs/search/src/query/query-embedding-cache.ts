import type { Embedding, EmbeddingProvider } from '@vitrine/embedding';

/**
 * Embeddings of recent query texts, least recently used evicted first. Shoppers repeat queries a lot (head
 * queries, pagination, autocomplete replays), and a text embedding is the largest part of a text search's
 * latency. Concurrent misses for the same text share one model call. The key includes the model id, so a
 * cache can never hand out a vector of another model.
 */
export class QueryEmbeddingCache {
  private readonly entries = new Map<string, Embedding>();
  private readonly inFlight = new Map<string, Promise<Embedding>>();
  private hitCount = 0;
  private missCount = 0;

  constructor(
    private readonly embedder: Pick<EmbeddingProvider, 'embedText' | 'modelId'>,
    private readonly capacity: number,
  ) {}

  async embed(text: string): Promise<Embedding> {
    if (this.capacity <= 0) {
      this.missCount++;
      return this.embedder.embedText(text);
    }
    const key = `${this.embedder.modelId}\u0000${text}`;
    const cached = this.entries.get(key);
    if (cached) {
      this.hitCount++;
      // Re-insert: Map iteration order is insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.hitCount++;
      return pending;
    }
    this.missCount++;
    const promise = this.embedder.embedText(text).then(
      (embedding) => {
        this.inFlight.delete(key);
        this.entries.set(key, embedding);
        if (this.entries.size > this.capacity)
          this.entries.delete(this.entries.keys().next().value as string);
        return embedding;
      },
      (e: unknown) => {
        this.inFlight.delete(key);
        throw e;
      },
    );
    this.inFlight.set(key, promise);
    return promise;
  }

  /** Hits and misses since creation (for metrics). */
  stats(): { readonly hits: number; readonly misses: number; readonly size: number } {
    return { hits: this.hitCount, misses: this.missCount, size: this.entries.size };
  }
}
