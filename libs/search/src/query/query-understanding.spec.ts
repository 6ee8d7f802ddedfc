import { LiteralQueryUnderstanding, wordsOf } from './query-understanding';

describe('LiteralQueryUnderstanding', () => {
  const qu = new LiteralQueryUnderstanding();

  it('runs the query as typed and highlights its words', async () => {
    const r = await qu.rewrite('Red  Apple red');
    expect(r).toEqual({
      lexicalQuery: 'Red  Apple red',
      embeddingQuery: 'Red  Apple red',
      terms: ['red', 'apple'],
    });
    expect(r.corrected).toBeUndefined();
  });

  it('marks whole words only, case-insensitively', () => {
    expect(qu.highlight('Red apples and a RED apple', ['red', 'apple'])).toEqual([
      [0, 3],
      [17, 20],
      [21, 26],
    ]);
    expect(qu.highlight('anything', [])).toEqual([]);
  });

  it('reads words of any script', () => {
    expect(wordsOf('Café crème, 2 cups')).toEqual(['café', 'crème', '2', 'cups']);
  });
});
