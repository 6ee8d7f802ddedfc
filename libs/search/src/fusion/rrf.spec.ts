import { fuseRrf } from './rrf';

describe('fuseRrf', () => {
  it('ranks an id found by several lists above ids found by one', () => {
    const fused = fuseRrf(
      [
        { source: 'image', ids: ['a', 'b', 'c'], weight: 1 },
        { source: 'lexical', ids: ['c', 'd'], weight: 1 },
      ],
      60,
    );
    expect(fused[0]).toEqual({ id: 'c', rrf: 1 / 63 + 1 / 61, ranks: { image: 3, lexical: 1 } });
    // b and d tie (rank 2 each): the id decides.
    expect(fused.map((f) => f.id)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('lets weights decide between lists and ignores a zero-weight list', () => {
    const lists = [
      { source: 'image' as const, ids: ['a'], weight: 0 },
      { source: 'text' as const, ids: ['b'], weight: 2 },
    ];
    const fused = fuseRrf(lists, 60);
    expect(fused.map((f) => f.id)).toEqual(['b', 'a']);
    expect(fused[1]!.rrf).toBe(0);
  });

  it('breaks ties by id so pages are stable', () => {
    const fused = fuseRrf(
      [
        { source: 'image', ids: ['z'], weight: 1 },
        { source: 'text', ids: ['y'], weight: 1 },
      ],
      60,
    );
    expect(fused.map((f) => f.id)).toEqual(['y', 'z']);
  });
});
