// A streaming multipart/form-data reader (RFC 7578) over a web ReadableStream. Parts come one at a
// time and their data is pulled by the consumer, so a 100 MB upload flows through with back-pressure
// and only a few chunks in memory. The caller must read (or skip) a part's data before asking for the
// next part; asking early skips the rest of the current one.

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

/** The body grew past the limit while it was being read. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`request body exceeds ${maxBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export interface MultipartPart {
  /** The form field name. */
  name: string;
  /** Present for file fields (possibly empty: a browser sends `filename=""` for no file). */
  filename: string | null;
  contentType: string | null;
  /** The part's bytes, in chunks; valid until the next part is requested. */
  data: AsyncGenerator<Uint8Array>;
}

/** The boundary of a multipart/form-data Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined | null): string | null {
  if (!contentType) return null;
  const [type, ...params] = contentType.split(";");
  if (type?.trim().toLowerCase() !== "multipart/form-data") return null;
  for (const p of params) {
    const m = /^\s*boundary=(?:"([^"]+)"|([^\s;]+))\s*$/i.exec(p);
    const b = m?.[1] ?? m?.[2];
    // RFC 2046: 1 to 70 characters.
    if (b && b.length <= 70) return b;
  }
  return null;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
const MAX_HEADER_BYTES = 16 * 1024;

class ByteSource {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  total = 0;
  private done = false;
  private readonly reader: {
    read(): Promise<{ value?: Uint8Array; done: boolean }>;
    cancel(): Promise<void>;
  };

  constructor(
    stream: ReadableStream<Uint8Array>,
    private readonly maxBytes: number,
  ) {
    this.reader = stream.getReader();
  }

  /** Appends the next chunk to what is left unread; false at the end of the stream. */
  async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done || !value) {
      this.done = true;
      return false;
    }
    this.total += value.byteLength;
    if (this.total > this.maxBytes) throw new BodyTooLargeError(this.maxBytes);
    const rest = this.buf.subarray(this.pos);
    this.buf =
      rest.length === 0
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : Buffer.concat([rest, value]);
    this.pos = 0;
    return true;
  }

  /** Makes at least n unread bytes available; false when the stream ends first. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n) if (!(await this.fill())) return false;
    return true;
  }

  cancel(): void {
    this.reader.cancel().catch(() => {});
  }
}

function parseHeaders(text: string): { name: string; filename: string | null; contentType: string | null } {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\b/i.test(disposition)) {
    throw new MultipartError("a part has no Content-Disposition: form-data header");
  }
  const param = (key: string) => {
    const m =
      new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(disposition!) ??
      new RegExp(`;\\s*${key}=([^;\\s]+)`, "i").exec(disposition!);
    return m ? m[1]!.replace(/\\(.)/g, "$1") : null;
  };
  const name = param("name");
  if (name === null) throw new MultipartError("a part has no field name");
  const star = /;\s*filename\*=UTF-8''([^;\s]+)/i.exec(disposition);
  let filename = param("filename");
  if (star) {
    try {
      filename = decodeURIComponent(star[1]!);
    } catch {
      // keep the plain filename
    }
  }
  return { name, filename, contentType };
}

/**
 * The parts of a multipart body. Throws MultipartError on a malformed body and BodyTooLargeError
 * once more than maxBytes have been read.
 */
export async function* multipartParts(
  stream: ReadableStream<Uint8Array>,
  boundary: string,
  opts: { maxBytes: number },
): AsyncGenerator<MultipartPart> {
  const src = new ByteSource(stream, opts.maxBytes);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  try {
    // The first boundary has no CRLF before it unless there is a preamble: search as if there were.
    const first = Buffer.from(`--${boundary}`);
    for (;;) {
      const at = src.buf.indexOf(first, src.pos);
      if (at >= 0 && (at === 0 || src.buf.subarray(at - 2, at).equals(CRLF))) {
        src.pos = at + first.length;
        break;
      }
      if (src.buf.length > MAX_HEADER_BYTES) throw new MultipartError("no multipart boundary found");
      if (!(await src.fill())) throw new MultipartError("no multipart boundary found");
    }
    for (;;) {
      // After a boundary: "--" ends the body, otherwise optional whitespace and CRLF, then headers.
      if (!(await src.need(2))) throw new MultipartError("the body ends without a closing boundary");
      if (src.buf[src.pos] === 45 && src.buf[src.pos + 1] === 45) return;
      while (src.buf[src.pos] === 32 || src.buf[src.pos] === 9) {
        src.pos++;
        if (!(await src.need(2))) throw new MultipartError("the body ends inside a boundary line");
      }
      if (!src.buf.subarray(src.pos, src.pos + 2).equals(CRLF))
        throw new MultipartError("malformed boundary line");
      src.pos += 2;
      let end = src.buf.indexOf(HEADER_END, src.pos);
      while (end < 0) {
        if (src.buf.length - src.pos > MAX_HEADER_BYTES) throw new MultipartError("part headers too long");
        if (!(await src.fill())) throw new MultipartError("the body ends inside part headers");
        end = src.buf.indexOf(HEADER_END, src.pos);
      }
      // Also when the headers arrived whole in one chunk (the loop above only sees them grow).
      if (end - src.pos > MAX_HEADER_BYTES) throw new MultipartError("part headers too long");
      const headers = parseHeaders(src.buf.subarray(src.pos, end).toString("utf8"));
      src.pos = end + HEADER_END.length;

      let finished = false;
      // One step of the part's data: the next chunk, or null at the part's end. Kept outside the
      // generator so that a consumer breaking out of its loop does not stop the skipping below.
      const next = async (): Promise<Uint8Array | null> => {
        for (;;) {
          if (finished) return null;
          const at = src.buf.indexOf(delimiter, src.pos);
          if (at >= 0) {
            const chunk = src.buf.subarray(src.pos, at);
            src.pos = at + delimiter.length;
            finished = true;
            if (chunk.length > 0) return chunk;
            return null;
          }
          // Keep a tail that could be the start of the delimiter.
          const safe = src.buf.length - (delimiter.length - 1);
          if (safe > src.pos) {
            const chunk = src.buf.subarray(src.pos, safe);
            src.pos = safe;
            return chunk;
          }
          if (!(await src.fill())) throw new MultipartError("the body ends inside a part");
        }
      };
      const data = (async function* (): AsyncGenerator<Uint8Array> {
        for (let chunk = await next(); chunk !== null; chunk = await next()) yield chunk;
      })();
      yield { ...headers, data };
      // Whatever the consumer left unread is skipped.
      while ((await next()) !== null) {}
    }
  } finally {
    src.cancel();
  }
}

/** Reads a small text field whole (form fields are short; the limit keeps them so). */
export async function readField(part: MultipartPart, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.data) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new MultipartError(`form field ${part.name} is longer than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}
