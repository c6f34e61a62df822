// A streaming RFC 4180 reader: quoted fields, "" escapes, CRLF / LF / CR line ends, newlines inside
// quoted fields. Text arrives in chunks of any size (a record may span chunks); complete records are
// handed out with the physical line where they start, so row errors can name the line a person sees
// in an editor. Blank lines are skipped (but counted). The BOM is the decoder's business (TextDecoder
// strips it), so this works on text.
//
// Lenient where real extracts are sloppy and the meaning is still clear: a quote inside an unquoted
// field is kept as a character. A record whose quoting cannot be read (text after a closing quote,
// a quote never closed) is handed out with `malformed` set, so the caller can report that one row.

export interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  line: number;
  fields: string[];
  /** Set when the quoting of this record is broken; `fields` is then a best effort. */
  malformed?: string;
}

export class CsvTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly maxChars: number,
  ) {
    super(`line ${line}: a row longer than ${maxChars} characters (an unterminated quote?)`);
    this.name = "CsvTooLongError";
  }
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Outcome of reading one record at a position: done (with the next position) or needs more text. */
type Step = { done: true; next: number; lines: number } | { done: false };

export class CsvParser {
  private pending = "";
  private line = 1;

  constructor(private readonly opts: { maxRecordChars?: number } = {}) {}

  /** Adds text; complete records are appended to `out`. */
  push(text: string, out: CsvRecord[]): void {
    this.pending = this.pending ? this.pending + text : text;
    this.drain(out, false);
    const max = this.opts.maxRecordChars ?? 1_000_000;
    if (this.pending.length > max) throw new CsvTooLongError(this.line, max);
  }

  /** The end of the input: the last record may lack its line end. */
  finish(out: CsvRecord[]): void {
    this.drain(out, true);
    this.pending = "";
  }

  private drain(out: CsvRecord[], final: boolean): void {
    const s = this.pending;
    let pos = 0;
    while (pos < s.length) {
      const fields: string[] = [];
      const record: CsvRecord = { line: this.line, fields };
      const step = readRecord(s, pos, final, record);
      if (!step.done) break;
      pos = step.next;
      this.line += step.lines;
      // A blank line is one empty field: not a row.
      if (!(fields.length === 1 && fields[0] === "" && !record.malformed)) out.push(record);
    }
    this.pending = pos === 0 ? s : s.slice(pos);
  }
}

/** Reads one record starting at `start`; counts the line ends it consumes (inside quotes too). */
function readRecord(s: string, start: number, final: boolean, record: CsvRecord): Step {
  const n = s.length;
  const fields = record.fields;
  let i = start;
  let lines = 0;
  for (;;) {
    if (i < n && s.charCodeAt(i) === QUOTE) {
      // Quoted field: up to the quote not followed by another quote.
      let value = "";
      let j = i + 1;
      for (;;) {
        const k = s.indexOf('"', j);
        if (k === -1) {
          if (!final) return { done: false };
          // Never closed: the rest of the input is this field.
          value += s.slice(j);
          lines += countLineEnds(s, j, n);
          fields.push(value);
          record.malformed = "a quoted field is never closed";
          return { done: true, next: n, lines };
        }
        if (k + 1 === n && !final) return { done: false };
        lines += countLineEnds(s, j, k);
        value += s.slice(j, k);
        if (s.charCodeAt(k + 1) === QUOTE) {
          value += '"';
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      // After the closing quote only a delimiter may follow; keep stray text but flag the record.
      const stop = nextDelimiter(s, i);
      if (stop > i) {
        value += s.slice(i, stop);
        record.malformed ??= "text after a closing quote";
        i = stop;
      }
      fields.push(value);
    } else {
      const stop = nextDelimiter(s, i);
      fields.push(s.slice(i, stop));
      i = stop;
    }
    if (i >= n) {
      if (!final) return { done: false };
      return { done: true, next: n, lines };
    }
    const c = s.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue;
    }
    if (c === CR) {
      // CRLF split across chunks: wait for the next chunk to know whether an LF follows.
      if (i + 1 === n && !final) return { done: false };
      return { done: true, next: s.charCodeAt(i + 1) === LF ? i + 2 : i + 1, lines: lines + 1 };
    }
    return { done: true, next: i + 1, lines: lines + 1 };
  }
}

function nextDelimiter(s: string, from: number): number {
  const n = s.length;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === LF || c === CR) return i;
  }
  return n;
}

/** Line ends in s[from, to): CRLF counts once, a lone CR or LF once. */
function countLineEnds(s: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR && s.charCodeAt(i + 1) !== LF) count++;
  }
  return count;
}
