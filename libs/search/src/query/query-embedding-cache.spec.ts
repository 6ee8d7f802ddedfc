import type { Embedding } from '@vitrine/embedding';
import { QueryEmbeddingCache } from './query-embedding-cache';

function fakeEmbedder() {
  const calls: string[] = [];
  return {
    calls,
    modelId: 'm@1',
    embedText: async (text: string): Promise<Embedding> => {
      calls.push(text);
      await new Promise((r) => setTimeout(r, 1));
      return { modelId: 'm@1', vector: Float32Array.of(text.length) };
    },
  };
}

describe('QueryEmbeddingCache', () => {
  it('embeds a repeated text once, and concurrent misses share one call', async () => {
    const e = fakeEmbedder();
    const cache = new QueryEmbeddingCache(e, 10);
    const [a, b] = await Promise.all([cache.embed('red mug'), cache.embed('red mug')]);
    await cache.embed('red mug');
    expect(a).toBe(b);
    expect(e.calls).toEqual(['red mug']);
    expect(cache.stats()).toEqual({ hits: 2, misses: 1, size: 1 });
  });

  it('evicts the least recently used text', async () => {
    const e = fakeEmbedder();
    const cache = new QueryEmbeddingCache(e, 2);
    await cache.embed('a');
    await cache.embed('b');
    await cache.embed('a');
    await cache.embed('c'); // evicts b, the least recently used
    await cache.embed('a');
    await cache.embed('b');
    expect(e.calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('with capacity 0 always calls the model', async () => {
    const e = fakeEmbedder();
    const cache = new QueryEmbeddingCache(e, 0);
    await cache.embed('a');
    await cache.embed('a');
    expect(e.calls).toEqual(['a', 'a']);
  });

  it('does not keep a failure', async () => {
    let fail = true;
    const cache = new QueryEmbeddingCache(
      {
        modelId: 'm',
        embedText: () =>
          fail
            ? Promise.reject(new Error('busy'))
            : Promise.resolve({ modelId: 'm', vector: Float32Array.of(1) }),
      },
      5,
    );
    await expect(cache.embed('x')).rejects.toThrow('busy');
    fail = false;
    await expect(cache.embed('x')).resolves.toMatchObject({ modelId: 'm' });
  });
});
