/** One line of the input: its text, or only its size when it was longer than the limit. */
export type InputLine =
  | { readonly number: number; readonly text: string; readonly bytesRead: number }
  | { readonly number: number; readonly tooLong: true; readonly bytes: number; readonly bytesRead: number }
  | { readonly number: number; readonly invalidUtf8: true; readonly bytesRead: number };

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines (LF or CRLF), numbered from 1, never holding more than `maxLineBytes` of one
 * line: the rest of a longer line is skipped as it streams by and the line is reported as `tooLong`. (readline
 * would buffer a line of any size before handing it over.) A UTF-8 BOM at the start is dropped; `bytesRead` is how
 * far into the input the reader is, for progress.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<InputLine, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let parts: Buffer[] = [];
  let length = 0;
  let skipped = -1; // ≥ 0 while skipping the rest of a too-long line
  let number = 0;
  let bytesRead = 0;

  const finish = (): InputLine => {
    number++;
    if (skipped >= 0) {
      const line: InputLine = { number, tooLong: true, bytes: skipped, bytesRead };
      skipped = -1;
      return line;
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    try {
      // ignoreBOM: false strips a leading BOM; only the first line can carry one that means "BOM".
      const text =
        number === 1 ? decoder.decode(bytes.subarray(0, end)) : strictDecode(bytes.subarray(0, end));
      return { number, text, bytesRead };
    } catch {
      return { number, invalidUtf8: true, bytesRead };
    }
  };

  for await (const chunk of chunks) {
    bytesRead += chunk.length;
    let start = 0;
    while (start <= chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (skipped >= 0) {
        skipped += piece.length;
      } else if (length + piece.length > maxLineBytes) {
        skipped = length + piece.length;
        parts = [];
        length = 0;
      } else if (piece.length > 0) {
        parts.push(piece);
        length += piece.length;
      }
      if (newline === -1) break;
      yield finish();
      start = newline + 1;
    }
  }
  if (length > 0 || skipped >= 0) yield finish();
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function strictDecode(bytes: Uint8Array): string {
  return strict.decode(bytes);
}
