import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Han ideographs, kana, hangul and CJK punctuation: scripts written without spaces between words, which the
 * `english` text-search parser would read as one word per run.
 */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const HAN_OR_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
/** Words of other scripts in localised text: letters and digits, lower-cased. */
const OTHER_WORD = /[\p{L}\p{N}]+/gu;

/**
 * Function words that would make every product match ("红色的鞋" must not find everything with 的). A short list on
 * purpose: only words that carry no product meaning.
 */
export const CJK_STOP_WORDS: ReadonlySet<string> = new Set([
  '的',
  '了',
  '和',
  '与',
  '及',
  '或',
  '是',
  '在',
  '有',
  '我',
  '你',
  '他',
  '她',
  '它',
  '们',
  '我们',
  '要',
  '想',
  '买',
  '找',
  '请',
  '一个',
  '一双',
  '一件',
  '一条',
  '一些',
  '个',
  '件',
  '双',
  '条',
  '把',
  '吗',
  '呢',
  '吧',
  '啊',
  '也',
  '都',
  '很',
  '给',
  '为',
  '用',
  '被',
  '这',
  '那',
  '这个',
  '那个',
  '之',
  '上',
  '中',
  '下',
  '不',
  '没有',
  '可以',
  '带',
  'の',
  'は',
  'が',
  'を',
  'に',
  'で',
  'と',
  'も',
  'や',
  'な',
  'た',
  'て',
  'だ',
  'です',
  'ます',
]);

/** A text cut into the words full-text search matches on. */
export interface Segments {
  /** Words in order (stop words and punctuation removed), lower-cased. */
  readonly words: readonly string[];
  /** The single characters of each CJK word longer than one (recall: "鞋" finds "高跟鞋"), in order. */
  readonly characters: readonly string[];
  /**
   * `index` mode: the shorter dictionary words inside a long word (jieba's search mode: 葡萄 of 葡萄酒), which a
   * document holds at a low weight so that the product named 葡萄 outranks the one named 葡萄酒 for "葡萄".
   */
  readonly parts: readonly string[];
}

let jiebaInstance: Jieba | undefined;

/**
 * One jieba (and one copy of its dictionary) per process, however many segmenters there are: each `withDict` holds
 * its own ~30 MiB dictionary in mimalloc's arena, which never gives pages back (bench:memory: three segmenters made
 * a restarted API 479 MiB after its first Chinese search, one made it 435).
 */
function sharedJieba(): Jieba {
  jiebaInstance ??= Jieba.withDict(dict);
  return jiebaInstance;
}

/**
 * The one segmentation of localised text, shared by the catalog (the `search_segments` vector written with each
 * product) and search (the query, and highlights): CJK runs are cut into words by jieba (its default dictionary,
 * loaded once, on first use: about 0.3 s), other scripts into letter/digit runs. Both sides must use the same
 * cut, so this class is the only place that does it.
 */
export class TextSegmenter {
  /** Whether `text` holds any CJK character. */
  static hasCjk(text: string): boolean {
    return CJK.test(text);
  }

  /** The CJK runs of `text`, joined by spaces ('' when none). */
  static cjkPart(text: string): string {
    return (text.match(CJK_RUN) ?? []).join(' ');
  }

  /** `text` with its CJK runs replaced by spaces (what the `english` document reads). */
  static withoutCjk(text: string): string {
    return text.replace(CJK_RUN, ' ');
  }

  /**
   * `text`'s words (and the characters of its CJK words), without stop words. `index` mode (documents) also lists
   * the shorter words inside a long one as `parts` (jieba's search mode: 咖啡 of 咖啡杯); a query is cut into whole
   * words only, so it matches a product by a whole word of it, never by a fragment ("量子力学" does not match
   * "力学").
   */
  segment(text: string, mode: 'index' | 'query' = 'index'): Segments {
    const words: string[] = [];
    const characters: string[] = [];
    const parts: string[] = [];
    const lower = text.normalize('NFKC').toLowerCase();
    let at = 0;
    for (const run of lower.matchAll(CJK_RUN)) {
      this.otherWords(lower.slice(at, run.index), words);
      at = run.index + run[0].length;
      const cut = this.cut(run[0], 'query');
      if (mode === 'index') {
        const whole = new Set(cut);
        for (const part of this.cut(run[0], 'index'))
          if (!whole.has(part) && !CJK_STOP_WORDS.has(part)) parts.push(part);
      }
      for (const word of cut) {
        if (CJK_STOP_WORDS.has(word)) continue;
        words.push(word);
        const chars = [...word];
        if (chars.length > 1)
          for (const c of chars) if (HAN_OR_KANA.test(c) && !CJK_STOP_WORDS.has(c)) characters.push(c);
      }
    }
    this.otherWords(lower.slice(at), words);
    return { words, characters, parts };
  }

  /** Only the CJK parts of `text` (the rest is the `english` vector's): its words and characters. */
  segmentCjk(text: string, mode: 'index' | 'query' = 'index'): Segments {
    const runs = text.match(CJK_RUN);
    return runs ? this.segment(runs.join(' '), mode) : { words: [], characters: [], parts: [] };
  }

  /**
   * The full-text query of `text`'s words for the `search_segments` vector, as `tsquery` syntax: any word may match
   * (products matching more rank higher), and a CJK word also matches a product holding all of its characters
   * ("挂锁" finds "锁挂"), never one of them alone, so an unknown word finds nothing rather than everything that
   * shares a character with it. Undefined when nothing is left to search for.
   */
  tsquery(text: string, options: { readonly cjkOnly?: boolean } = {}): string | undefined {
    const { words } = options.cjkOnly ? this.segmentCjk(text, 'query') : this.segment(text, 'query');
    const parts = [...new Set(words)].map((word) => {
      const chars = [...word].filter((c) => HAN_OR_KANA.test(c));
      const whole = lexeme(word);
      return chars.length > 1 && chars.length === [...word].length
        ? `(${whole} | (${[...new Set(chars)].map(lexeme).join(' & ')}))`
        : whole;
    });
    return parts.length > 0 ? parts.join(' | ') : undefined;
  }

  /**
   * The `tsvector` literal of weighted texts (weight A for titles, B for names, C for descriptions): each text's
   * words at their positions, and the shorter words inside its long CJK words and their characters at weight D
   * after them. Empty string when there are no words.
   */
  tsvector(texts: readonly { readonly text: string | null; readonly weight: 'A' | 'B' | 'C' }[]): string {
    const positions = new Map<string, string[]>();
    let position = 0;
    const add = (token: string, weight: string): void => {
      // tsvector positions stop at 16383; later words still match, at the last position.
      position = Math.min(position + 1, 16383);
      const list = positions.get(token) ?? [];
      // At most 256 positions per lexeme are kept by PostgreSQL.
      if (list.length < 256) list.push(`${position}${weight}`);
      positions.set(token, list);
    };
    for (const { text, weight } of texts) {
      if (!text) continue;
      const { words, characters, parts } = this.segment(text);
      for (const w of words) add(w, weight);
      for (const p of parts) add(p, 'D');
      for (const c of characters) add(c, 'D');
      position += 1;
    }
    return [...positions].map(([token, at]) => `${lexeme(token)}:${at.join(',')}`).join(' ');
  }

  private cut(run: string, mode: 'index' | 'query'): string[] {
    const jieba = sharedJieba();
    const words = mode === 'index' ? jieba.cutForSearch(run, true) : jieba.cut(run, true);
    return words.filter((w) => w.trim() !== '' && CJK.test(w));
  }

  private otherWords(text: string, into: string[]): void {
    for (const m of text.matchAll(OTHER_WORD)) into.push(m[0]);
  }
}

/** A lexeme quoted for tsvector/tsquery syntax (no text-search parser runs on it). */
function lexeme(token: string): string {
  // PostgreSQL limits a lexeme to 2047 bytes; a longer "word" is no word a shopper types.
  const t = Buffer.byteLength(token) > 2046 ? token.slice(0, 500) : token;
  return `'${t.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
