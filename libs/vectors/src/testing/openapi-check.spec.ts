import { OpenApiChecker } from './openapi-check';

// The checker must be able to fail: each case is a mistake an adapter or the stand-in could make.
describe('OpenApiChecker on the Qdrant 1.18 document', () => {
  const checker = OpenApiChecker.load();
  const upsert = ['PUT', '/collections/{collection_name}/points'] as const;
  const point = {
    id: '6f1c1d0e-8a8b-4c1e-9a6e-2f3c4d5e6f70',
    vector: { image: [0.1, 0.2] },
    payload: { a: 1 },
  };

  it('accepts what the Qdrant client sends and answers', () => {
    expect(checker.checkRequest(...upsert, { wait: 'true' }, { points: [point] })).toEqual([]);
    expect(
      checker.checkResponse(...upsert, 200, {
        result: { operation_id: 3, status: 'completed' },
        status: 'ok',
        time: 0.001,
      }),
    ).toEqual([]);
    expect(checker.checkResponse(...upsert, 404, { status: { error: 'Not found' }, time: 0 })).toEqual([]);
    expect(
      checker.checkSchema('Filter', {
        must: [
          { key: 'price', range: { gte: 1, lte: 1 } },
          { should: [{ key: 'attributes.size', range: { gte: 40, lte: 40 } }] },
          { key: 'brand', match: { any: ['a', 'b'] } },
        ],
        must_not: [{ has_id: [point.id] }],
      }),
    ).toEqual([]);
  });

  it('names what is wrong: types, enums, required fields, unknown keys and parameters', () => {
    expect(checker.checkRequest(...upsert, { wait: 'maybe' }, { points: [point] })).toEqual([
      expect.stringContaining('?wait'),
    ]);
    expect(checker.checkRequest(...upsert, { wiat: 'true' }, { points: [point] })).toEqual([
      'query parameter wiat is not declared',
    ]);
    expect(checker.checkRequest(...upsert, {}, { points: [{ ...point, id: -1 }] })).toContainEqual(
      expect.stringContaining('body.points[0].id'),
    );
    expect(
      checker.checkResponse(...upsert, 200, {
        result: { operation_id: 3, status: 'done' },
        status: 'ok',
        time: 0,
      }),
    ).toEqual([expect.stringContaining('response.result.status')]);
    expect(checker.checkSchema('CountResult', {})).toEqual(['CountResult.count: required']);
    expect(checker.checkSchema('CountResult', { count: -2 })).toContain(
      'CountResult.count: expected an unsigned integer, got -2',
    );
    expect(checker.checkSchema('CollectionExistence', { exists: true, exist: true })).toEqual([
      'CollectionExistence.exist: not a declared property',
    ]);
    expect(checker.checkSchema('Filter', { must: [{ key: 'price', rnage: { gte: 1 } }] })).not.toEqual([]);
    expect(checker.checkRequest('POST', '/collections/{collection_name}/points/frobnicate', {}, {})).toEqual([
      'POST /collections/{collection_name}/points/frobnicate is not in the document',
    ]);
  });
});
