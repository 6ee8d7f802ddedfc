import { DomainError } from '@vitrine/core';
import { FakeQdrant } from '../testing/fake-qdrant';
import { OpenApiCheckers } from '../testing/openapi-check';
import { searchBatch } from '../vector-store';
import { QdrantVectorStore } from './qdrant-store';

// Every request the adapter sends here, and every answer the fake gives, is checked against Qdrant's OpenAPI
// documents of 1.18 and 1.19 (afterEach).
const checkers = OpenApiCheckers.load();

const ID1 = '11111111-1111-4111-8111-111111111111';
const ID2 = '22222222-2222-4222-8222-222222222222';

function collectionInfo(
  dim: number,
  names: string[],
  quantization: unknown = null,
  status = 'green',
  optimizer: unknown = 'ok',
) {
  return {
    result: {
      status,
      optimizer_status: optimizer,
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
        optimizer_config: { default_segment_number: 0, flush_interval_sec: 5 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
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
    fake = await FakeQdrant.start(checkers);
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]);
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

  it('creates collections with the configured shards, replicas, write consistency and on-disk vectors', async () => {
    const s = store({ shards: 6, replicationFactor: 2, writeConsistencyFactor: 2, onDiskVectors: true });
    await s.ensureCollection({ name: 'cl', dim: 4, vectors: ['image'] });
    expect(fake.requests[2]!.body).toEqual({
      vectors: { image: { size: 4, distance: 'Cosine', on_disk: true } },
      shard_number: 6,
      replication_factor: 2,
      write_consistency_factor: 2,
    });
  });

  it('asks for no vectors and only the payload fields named, or only the named vector', async () => {
    const s = store();
    await s.search('products', { vector: 'image', query: [1, 0], limit: 50, payloadFields: ['inStock'] });
    await s.search('products', { vector: 'image', query: [1, 0], limit: 50, vectorNames: ['text'] });
    await s.get('products', [ID1], {
      vectorNames: ['image'],
      payloadFields: ['inStock', 'attributes.popularity'],
    });
    await s.search('products', { vector: 'text', query: [1, 0], limit: 50, payloadFields: [] });
    expect(fake.requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ with_payload: ['inStock'], with_vector: false }),
      expect.objectContaining({ with_payload: true, with_vector: ['text'] }),
      { ids: [ID1], with_payload: ['inStock', 'attributes.popularity'], with_vector: ['image'] },
      expect.objectContaining({ with_payload: false, with_vector: false }),
    ]);
  });

  it('sends the searches of a batch in one /points/query/batch request and maps the answers in order', async () => {
    fake.on('POST', '/collections/products/points/query/batch', {
      result: [
        { points: [{ id: ID1, version: 1, score: 0.9, payload: { inStock: true } }] },
        { points: [{ id: ID2, version: 1, score: 0.4, payload: {} }] },
      ],
    });
    const s = store({ quantization: 'int8' });
    const answers = await searchBatch(s, 'products', [
      { vector: 'image', query: [3, 4], limit: 50, payloadFields: ['inStock'] },
      { vector: 'text', query: [1, 0], limit: 9, filter: { brand: { in: [] } } },
      { vector: 'text', query: [0, 2], limit: 50, filter: { inStock: true } },
    ]);
    expect(fake.lines()).toEqual(['POST /collections/products/points/query/batch']);
    expect(fake.requests[0]!.body).toEqual({
      searches: [
        {
          query: [0.6, 0.8],
          using: 'image',
          limit: 50,
          params: { quantization: { rescore: true, oversampling: 2 } },
          with_payload: ['inStock'],
          with_vector: false,
        },
        {
          query: [0, 1],
          using: 'text',
          limit: 50,
          filter: { must: [{ key: 'inStock', match: { value: true } }] },
          params: { quantization: { rescore: true, oversampling: 2 } },
          with_payload: true,
          with_vector: false,
        },
      ],
    });
    expect(answers).toEqual([
      [{ id: ID1, score: 0.9, payload: { inStock: true } }],
      [],
      [{ id: ID2, score: 0.4, payload: {} }],
    ]);
  });

  it('writes vectors as the shortest text that reads back as the same float32', async () => {
    const rng = (() => {
      let x = 12345;
      return () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
    })();
    const image = Float32Array.from({ length: 512 }, rng);
    let norm = 0;
    for (const x of image) norm += x * x;
    const unit = image.map((x) => x / Math.sqrt(norm));
    await store().upsert('c', [{ id: ID1, vectors: { image: unit }, payload: {} }]);
    await store().search('c', { vector: 'image', query: unit, limit: 1 });
    const raw = [fake.rawBodies[0]!, fake.rawBodies[1]!];
    const sent = [
      (fake.requests[0]!.body as { points: { vector: { image: number[] } }[] }).points[0]!.vector.image,
      (fake.requests[1]!.body as { query: number[] }).query,
    ];
    for (const v of sent) expect(Float32Array.from(v)).toEqual(unit);
    // Float64 text of the same vector (what Array.from + JSON.stringify sent before) is about 70% longer.
    const float64Text = JSON.stringify(Array.from(unit)).length;
    for (const body of raw) expect(body.length).toBeLessThan(float64Text * 0.65);
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

  it('switches an alias with one atomic update_aliases request once the collection is green', async () => {
    fake.on('GET', '/collections/products__demo__abcdef12__g2', collectionInfo(2, ['image']));
    await store().switchAlias('products', 'products__demo__abcdef12__g2');
    expect(fake.lines()).toEqual([
      'GET /collections/products__demo__abcdef12__g2',
      'GET /collections/products__demo__abcdef12__g2/cluster',
      'POST /collections/aliases',
    ]);
    expect(fake.requests[2]!.body).toEqual({
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

  describe('waits for the new collection to be ready before switching the alias', () => {
    const C = 'products__demo__abcdef12__g3';
    const fast = () => store({ readyTimeoutMs: 2000, readyPollMs: 5 });
    const cluster = (states: string[][]) => ({
      result: {
        peer_id: 1,
        shard_count: states.length,
        local_shards: states.map((s, i) => ({ shard_id: i, points_count: 5, state: s[0]! })),
        remote_shards: states.flatMap((s, i) =>
          s.slice(1).map((state, j) => ({ shard_id: i, peer_id: 2 + j, state })),
        ),
        shard_transfers: [],
      },
    });

    it('polls a yellow collection until it is green, then switches', async () => {
      let looks = 0;
      fake.on('GET', `/collections/${C}`, () =>
        collectionInfo(2, ['image'], null, ++looks < 3 ? 'yellow' : 'green'),
      );
      fake.on('POST', `/collections/${C}/points/count`, { result: { count: 40 } });
      await fast().switchAlias('products', C, { minPoints: 40 });
      expect(fake.lines()).toEqual([
        `GET /collections/${C}`,
        `GET /collections/${C}`,
        `GET /collections/${C}`,
        `GET /collections/${C}/cluster`,
        `POST /collections/${C}/points/count`,
        'POST /collections/aliases',
      ]);
    });

    it('triggers the optimizers of a grey collection once', async () => {
      let looks = 0;
      fake.on('GET', `/collections/${C}`, () =>
        collectionInfo(2, ['image'], null, ++looks < 4 ? 'grey' : 'green'),
      );
      await fast().switchAlias('products', C);
      const patches = fake.requests.filter((r) => r.method === 'PATCH');
      expect(patches).toEqual([
        expect.objectContaining({ path: `/collections/${C}`, body: { optimizers_config: {} } }),
      ]);
      expect(fake.lines().at(-1)).toBe('POST /collections/aliases');
    });

    it('waits for every shard to have an active replica and none still initialising', async () => {
      let looks = 0;
      fake.on('GET', `/collections/${C}`, collectionInfo(2, ['image']));
      fake.on('GET', `/collections/${C}/cluster`, () =>
        ++looks === 1
          ? cluster([
              ['Active', 'Initializing'],
              ['Dead', 'Initializing'],
            ])
          : cluster([
              ['Active', 'Active'],
              ['Dead', 'Active'],
            ]),
      );
      await fast().switchAlias('products', C);
      // A dead replica (its node is down) does not hold the switch when the shard has an active one.
      expect(fake.lines().filter((l) => l.endsWith('/cluster'))).toHaveLength(2);
      expect(fake.lines().at(-1)).toBe('POST /collections/aliases');
    });

    it('refuses a red collection at once and leaves the alias alone', async () => {
      fake.on('GET', `/collections/${C}`, collectionInfo(2, ['image'], null, 'red', { error: 'disk full' }));
      const err = await fast()
        .switchAlias('products', C)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('red: disk full') });
      expect((err as DomainError).transient).toBe(false);
      expect(fake.lines()).toEqual([`GET /collections/${C}`]);
    });

    it('gives up after the bound with what was missing, and leaves the alias alone', async () => {
      fake.on('GET', `/collections/${C}`, collectionInfo(2, ['image']));
      fake.on('POST', `/collections/${C}/points/count`, { result: { count: 7 } });
      const err = await store({ readyTimeoutMs: 30, readyPollMs: 5 })
        .switchAlias('products', C, { minPoints: 8 })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('7 points of the 8 expected'),
      });
      expect((err as DomainError).transient).toBe(true);
      expect(fake.lines()).not.toContain('POST /collections/aliases');
    });
  });
});
