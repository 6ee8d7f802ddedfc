/**
 * The phrase with "a" or "an" by how it sounds: "an animal print", "a striped", "a unicorn", "an hour".
 * A phrase that already starts with an article is returned as it is.
 */
export function withArticle(phrase: string): string {
  if (/^(?:a|an|the)\s/i.test(phrase)) return phrase;
  const vowel = /^[aeiou]/i.test(phrase) && !/^(?:uni|use|usu|eu|one\b|once)/i.test(phrase);
  const silentH = /^(?:hour|honest|honou?r|heir)/i.test(phrase);
  return `${vowel || silentH ? 'an' : 'a'} ${phrase}`;
}
