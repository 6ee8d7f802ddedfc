import { DomainError } from '@vitrine/core';
import { FakeQdrant } from '../testing/fake-qdrant';
import { QdrantVectorStore } from './qdrant-store';

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';

function collectionInfo(dim: number, names: string[], quantization: unknown = null) {
  return {
    result: {
      status: 'green',
      optimizer_status: 'ok',
      segments_count: 1,
      points_count: 0,
      indexed_vectors_count: 0,
      config: {
        params: {
          vectors: Object.fromEntries(names.map((n) => [n, { size: dim, distance: 'Cosine' }])),
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000 },
        quantization_config: quantization,
      },
      payload_schema: {},
    },
  };
}

describe('QdrantVectorStore (requests against a fake Qdrant)', () => {
  let fake: FakeQdrant;
  const store = (options: Partial<ConstructorParameters<typeof QdrantVectorStore>[0]> = {}) =>
    new QdrantVectorStore({ url: fake.url, ...options });

  beforeEach(async () => {
    fake = await FakeQdrant.start();
  });

  afterEach(async () => {
    await fake.close();
  });

  it('creates a collection with named cosine vectors and the payload indexes', async () => {
    await expect(
      store().ensureCollection({
        name: 'c1',
        dim: 4,
        vectors: ['image', 'text'],
        attributeIndexes: { color: 'keyword' },
      }),
    ).resolves.toEqual({ created: true });
    expect(fake.lines()).toEqual([
      'GET /aliases',
      'GET /collections/c1/exists',
      'PUT /collections/c1',
      ...Array.from({ length: 6 }, () => 'PUT /collections/c1/index?wait=true'),
    ]);
    const create = fake.requests[2]!.body as Record<string, unknown>;
    expect(create).toEqual({
      vectors: { image: { size: 4, distance: 'Cosine' }, text: { size: 4, distance: 'Cosine' } },
    });
    expect(fake.requests.slice(3).map((r) => r.body)).toEqual([
      { field_name: 'category', field_schema: 'keyword' },
      { field_name: 'brand', field_schema: 'keyword' },
      { field_name: 'currency', field_schema: 'keyword' },
      { field_name: 'price', field_schema: 'float' },
      { field_name: 'inStock', field_schema: 'bool' },
      { field_name: 'attributes.color', field_schema: 'keyword' },
    ]);
  });

  it('asks for int8 scalar quantisation on create and rescoring with oversampling on search', async () => {
    const s = store({ quantization: 'int8', oversampling: 3 });
    await s.ensureCollection({ name: 'q', dim: 2, vectors: ['image'] });
    expect(fake.requests[2]!.body).toMatchObject({
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    });
    await s.search('q', { vector: 'image', query: [1, 0], limit: 3 });
    expect(fake.requests.at(-1)!.body).toMatchObject({
      params: { quantization: { rescore: true, oversampling: 3 } },
    });
  });

  it('accepts an existing collection of the same shape and refuses another shape', async () => {
    fake.on('GET', '/collections/c2/exists', { result: { exists: true } });
    fake.on('GET', '/collections/c2', collectionInfo(4, ['text', 'image']));
    await expect(
      store().ensureCollection({ name: 'c2', dim: 4, vectors: ['image', 'text'] }),
    ).resolves.toEqual({
      created: false,
    });
    expect(fake.lines()).not.toContain('PUT /collections/c2');
    await expect(
      store().ensureCollection({ name: 'c2', dim: 8, vectors: ['image', 'text'] }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('upserts normalised named vectors in batches and waits when asked', async () => {
    const points = [ID1, ID2, '33333333-3333-4333-8333-333333333333'].map((id, i) => ({
      id,
      vectors: i === 1 ? { text: [0, 2] } : { image: [3, 4], text: new Float32Array([1, 0]) },
      payload: { category: 'shoes', price: 9.5 + i },
    }));
    await store({ batchSize: 2 }).upsert('products', points);
    expect(fake.lines()).toEqual([
      'PUT /collections/products/points?wait=true',
      'PUT /collections/products/points?wait=true',
    ]);
    expect(fake.requests[0]!.body).toEqual({
      points: [
        {
          id: ID1,
          vector: { image: [expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)], text: [1, 0] },
          payload: { category: 'shoes', price: 9.5 },
        },
        { id: ID2, vector: { text: [0, 1] }, payload: { category: 'shoes', price: 10.5 } },
      ],
    });
    fake.clear();
    await store().upsert('products', points.slice(0, 1), { wait: false });
    expect(fake.lines()).toEqual(['PUT /collections/products/points?wait=false']);
  });

  it('searches one named vector with the filter inside the query and maps the scored points', async () => {
    fake.on('POST', '/collections/products/points/query', {
      result: {
        points: [
          { id: ID2, version: 3, score: 0.93, payload: { brand: 'acme' } },
          { id: ID1, version: 1, score: 0.5, payload: { brand: 'acme' }, vector: { text: [1, 0] } },
        ],
      },
    });
    const hits = await store().search('products', {
      vector: 'text',
      query: [0, 5],
      limit: 2,
      offset: 4,
      filter: { brand: 'acme', price: { lte: 50 }, excludeIds: [ID1.toUpperCase()] },
    });
    expect(fake.lines()).toEqual(['POST /collections/products/points/query']);
    expect(fake.requests[0]!.body).toEqual({
      query: [0, 1],
      using: 'text',
      limit: 2,
      offset: 4,
      filter: {
        must: [
          { key: 'brand', match: { value: 'acme' } },
          { key: 'price', range: { lte: 50 } },
        ],
        must_not: [{ has_id: [ID1] }],
      },
      with_payload: true,
      with_vector: false,
    });
    expect(hits).toEqual([
      { id: ID2, score: 0.93, payload: { brand: 'acme' } },
      { id: ID1, score: 0.5, payload: { brand: 'acme' } },
    ]);
  });

  it('answers a filter that matches nothing without asking the server', async () => {
    const s = store();
    expect(
      await s.search('products', { vector: 'image', query: [1], limit: 3, filter: { category: { in: [] } } }),
    ).toEqual([]);
    expect(await s.count('products', { brand: { in: [] } })).toBe(0);
    expect(fake.requests).toEqual([]);
  });

  it('switches an alias with one atomic update_aliases request', async () => {
    await store().switchAlias('products', 'products__demo__abcdef12__g2');
    expect(fake.lines()).toEqual(['POST /collections/aliases']);
    expect(fake.requests[0]!.body).toEqual({
      actions: [
        { delete_alias: { alias_name: 'products' } },
        { create_alias: { collection_name: 'products__demo__abcdef12__g2', alias_name: 'products' } },
      ],
    });
  });

  it('resolves, lists and deletes aliases from GET /aliases', async () => {
    fake.on('GET', '/aliases', { result: { aliases: [{ alias_name: 'products', collection_name: 'c9' }] } });
    const s = store();
    expect(await s.resolveAlias('products')).toBe('c9');
    expect(await s.listAliases()).toEqual({ products: 'c9' });
    fake.clear();
    expect(await s.deleteAlias('other')).toBe(false);
    expect(fake.lines()).toEqual(['GET /aliases']);
    expect(await s.deleteAlias('products')).toBe(true);
    expect(fake.requests.at(-1)!.body).toEqual({ actions: [{ delete_alias: { alias_name: 'products' } }] });
  });

  it('reads points by id in the order asked, with named vectors as Float32Array', async () => {
    fake.on('POST', '/collections/c/points', {
      result: [
        { id: ID1, payload: { sku: 'a' }, vector: { image: [0.6, 0.8] } },
        { id: ID2, payload: { sku: 'b' }, vector: { image: [1, 0], text: [0, 1] } },
      ],
    });
    const points = await store().get('c', [ID2, ID1], { withVectors: true });
    expect(fake.requests[0]!.body).toEqual({ ids: [ID2, ID1], with_payload: true, with_vector: true });
    expect(points.map((p) => p.id)).toEqual([ID2, ID1]);
    expect(points[0]!.vectors!.text).toEqual(new Float32Array([0, 1]));
    expect(points[1]!.vectors).toEqual({ image: new Float32Array([0.6, 0.8]) });
  });

  it('deletes, counts and scrolls with the translated filter', async () => {
    fake.on('POST', '/collections/c/points/count', { result: { count: 7 } });
    fake.on('POST', '/collections/c/points/scroll', {
      result: {
        points: [{ id: ID1 }, { id: ID2 }],
        next_page_offset: '33333333-3333-4333-8333-333333333333',
      },
    });
    const s = store();
    await s.delete('c', [ID1]);
    expect(await s.count('c', { inStock: true })).toBe(7);
    const page = await s.scrollIds('c', { limit: 2, cursor: ID1, filter: { attributes: { color: 'red' } } });
    expect(page).toEqual({ ids: [ID1, ID2], next: '33333333-3333-4333-8333-333333333333' });
    expect(fake.lines()).toEqual([
      'POST /collections/c/points/delete?wait=true',
      'POST /collections/c/points/count',
      'POST /collections/c/points/scroll',
    ]);
    expect(fake.requests.map((r) => r.body)).toEqual([
      { points: [ID1] },
      { exact: true, filter: { must: [{ key: 'inStock', match: { value: true } }] } },
      {
        limit: 2,
        offset: ID1,
        with_payload: false,
        with_vector: false,
        filter: { must: [{ key: 'attributes.color', match: { value: 'red' } }] },
      },
    ]);
  });

  it('reports a missing collection through an alias as absent, and its real name when present', async () => {
    fake.on('GET', '/aliases', {
      result: { aliases: [{ alias_name: 'products', collection_name: 'real' }] },
    });
    fake.on('GET', '/collections/real', collectionInfo(3, ['image']));
    fake.on('POST', '/collections/real/points/count', { result: { count: 12 } });
    const s = store();
    expect(await s.collectionInfo('products')).toEqual({
      name: 'real',
      dim: 3,
      vectors: ['image'],
      count: 12,
    });
    expect(await s.collectionInfo('nope')).toBeUndefined();
  });

  it('maps Qdrant errors to domain errors with the server message', async () => {
    fake.on('POST', '/collections/c/points/query', {
      status: 400,
      error: 'Wrong input: Vector dimension error: expected dim: 4, got 2',
    });
    const err = await store()
      .search('c', { vector: 'image', query: [1, 0], limit: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('expected dim: 4'),
    });
    fake.on('POST', '/collections/missing/points/count', {
      status: 404,
      error: "Not found: Collection `missing` doesn't exist!",
    });
    await expect(store().count('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    fake.on('PUT', '/collections/c/points', { status: 503, error: 'Service unavailable' });
    const transient = await store()
      .upsert('c', [{ id: ID1, vectors: { image: [1] }, payload: {} }])
      .catch((e: unknown) => e);
    expect(transient).toMatchObject({ code: 'UNAVAILABLE' });
    expect((transient as DomainError).transient).toBe(true);
  });

  it('reports an unreachable server as UNAVAILABLE', async () => {
    const url = fake.url;
    await fake.close();
    const s = new QdrantVectorStore({ url });
    await expect(s.ping()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    fake = await FakeQdrant.start();
  });

  it('validates input before sending anything', async () => {
    const s = store();
    await expect(
      s.upsert('c', [{ id: 'sku-1', vectors: { image: [1] }, payload: {} }]),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(s.upsert('c', [{ id: ID1, vectors: { image: [0, 0] }, payload: {} }])).rejects.toMatchObject(
      {
        code: 'VALIDATION_FAILED',
      },
    );
    await expect(
      s.search('c', { vector: 'image', query: [1], limit: 1, filter: { size: 3 } as never }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(fake.requests).toEqual([]);
  });
});
