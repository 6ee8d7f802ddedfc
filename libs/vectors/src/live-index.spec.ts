import { DomainError } from '@vitrine/core';
import { collectionNameFor } from './collection-naming';
import { LiveIndex } from './live-index';

const MODEL = 'vitrine/demo-clip@1';

/** A store whose `products` alias points at `target` (or nowhere). */
const storeWith = (target: string | undefined) => ({
  resolveAlias: (alias: string) => Promise.resolve(alias === 'products' ? target : undefined),
});

describe('LiveIndex: does the live alias serve our model?', () => {
  it('says missing before anything was indexed, and require() answers undefined (empty results, no error)', async () => {
    const live = new LiveIndex(storeWith(undefined), MODEL);
    expect(await live.state()).toEqual({ status: 'missing' });
    expect(await live.require()).toBeUndefined();
  });

  it("names the collection when the alias serves this model's vectors, whatever the generation", async () => {
    const collection = collectionNameFor(MODEL, 1764158400000);
    const live = new LiveIndex(storeWith(collection), MODEL);
    expect(await live.state()).toEqual({ status: 'ready', collection });
    expect(await live.require()).toBe(collection);
  });

  it('refuses another model with MODEL_MISMATCH, transient (503 with Retry-After, retried by the queue)', async () => {
    const other = collectionNameFor('another-clip@2', 3);
    const live = new LiveIndex(storeWith(other), MODEL);
    expect(await live.state()).toEqual({ status: 'model-mismatch', collection: other });
    const e: unknown = await live.require().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ code: 'MODEL_MISMATCH', transient: true, details: { modelId: MODEL } });
    expect((e as DomainError).message).toMatch(/another model's vectors/);
  });

  it('treats a name that is not a per-model collection as another model', async () => {
    const live = new LiveIndex(storeWith('hand-made-collection'), MODEL);
    expect((await live.state()).status).toBe('model-mismatch');
  });
});
