/** Where a JSON text stops being valid: offset (UTF-16 code units), 1-based line and column. */
export interface JsonErrorLocation {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/**
 * A file that is not valid JSON, located: the message names the file, the line and column of the first
 * character that is wrong (for a truncated file, the position just past its last character) and the parser's
 * reason, e.g. `/data/vectors/catalog.json: not valid JSON at line 12, column 3 (Unexpected end of JSON input)`.
 */
export class JsonFileError extends Error {
  constructor(
    readonly file: string,
    readonly location: JsonErrorLocation | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: not valid JSON${location ? ` at ${formatLocation(location)}` : ''} (${reason})`, options);
    this.name = 'JsonFileError';
  }
}

/** `JSON.parse` of a file's text that, when it fails, throws a {@link JsonFileError} naming file, line and column. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new JsonFileError(file, locateJsonError(text), reasonOf(e), { cause: e });
  }
}

/**
 * Describes why `text` failed `JSON.parse` with `error`: `line 3, column 7: <reason>` (or the reason alone when
 * the text is, after all, valid).
 */
export function describeJsonError(text: string, error: unknown): string {
  const location = locateJsonError(text);
  return location ? `${formatLocation(location)}: ${reasonOf(error)}` : reasonOf(error);
}

export function formatLocation(location: JsonErrorLocation): string {
  return `line ${location.line}, column ${location.column}`;
}

/**
 * The position of the first syntax error in `text` under RFC 8259 (what `JSON.parse` accepts), or undefined
 * when it is valid. Node's own messages give a position for some errors and none for others (a truncated file
 * says only "Unexpected end of JSON input"), so the position is found by scanning. Iterative: any depth.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  const offset = firstErrorOffset(text);
  return offset === undefined ? undefined : locationOf(text, offset);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function locationOf(text: string, offset: number): JsonErrorLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

function firstErrorOffset(text: string): number | undefined {
  const n = text.length;
  const open: string[] = [];
  let i = 0;
  // 'value': a value must follow; 'item': a value or (right after '[') the closing ']'; 'key': a member name or
  // (right after '{') the closing '}'; 'after': a value ended, a separator, a closer or the end must follow.
  let expect: 'value' | 'item' | 'key' | 'firstKey' | 'after' = 'value';
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    const ch = text[i];
    if (expect === 'after') {
      const top = open[open.length - 1];
      if (top === undefined) return i < n ? i : undefined;
      if (ch === ',') {
        i++;
        expect = top === '{' ? 'key' : 'value';
      } else if ((top === '{' && ch === '}') || (top === '[' && ch === ']')) {
        open.pop();
        i++;
      } else return i;
      continue;
    }
    if (i >= n) return i;
    if (expect === 'key' || expect === 'firstKey') {
      if (expect === 'firstKey' && ch === '}') {
        open.pop();
        i++;
        expect = 'after';
        continue;
      }
      if (ch !== '"') return i;
      const end = stringEnd(text, i);
      if (end < 0) return -end - 1;
      i = end;
      while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
      if (text[i] !== ':') return i;
      i++;
      expect = 'value';
      continue;
    }
    if (expect === 'item' && ch === ']') {
      open.pop();
      i++;
      expect = 'after';
      continue;
    }
    if (ch === '{' || ch === '[') {
      open.push(ch);
      i++;
      expect = ch === '{' ? 'firstKey' : 'item';
      continue;
    }
    if (ch === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return -end - 1;
      i = end;
    } else {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      const literal = LITERALS.find((l) => text.startsWith(l, i));
      if (number) i += number[0].length;
      else if (literal) i += literal.length;
      else return literalPrefixEnd(text, i);
    }
    expect = 'after';
  }
}

/** Past the closing quote of the string starting at `start`, or -(offset of the error) - 1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -i - 1;
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        for (let k = 2; k < 6; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) return -(i + k) - 1;
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) i++;
      else return -(i + 1) - 1;
    }
  }
  return -text.length - 1;
}

/** For `tru` or `nul` cut short, the end of the text; otherwise where the bad token starts. */
function literalPrefixEnd(text: string, i: number): number {
  const rest = text.slice(i);
  return LITERALS.some((l) => rest.length < l.length && l.startsWith(rest)) ? text.length : i;
}
