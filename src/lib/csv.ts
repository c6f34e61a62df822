import type { Context, TypedResponse } from "hono";
import { parseAccept } from "hono/utils/accept";

// CSV export for list routes: RFC 4180 (quoted where needed, CRLF line ends), safe to open in a
// spreadsheet, and streamed batch by batch so an export of a million rows never sits in memory.

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
  /**
   * Free text that came from users or imports. A spreadsheet evaluates a cell starting with = + - @
   * (or a tab / carriage return) as a formula, so such cells are prefixed with a quote mark. Numeric
   * and date columns are left alone: -3 is a number there, not an attack.
   */
  text?: boolean;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field. */
export function csvCell(value: CsvValue, text = false): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (text && FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvLine<T>(columns: CsvColumn<T>[], row: T): string {
  return `${columns.map((col) => csvCell(col.value(row), col.text)).join(",")}\r\n`;
}

export function csvHeader<T>(columns: CsvColumn<T>[]): string {
  return `${columns.map((col) => csvCell(col.header)).join(",")}\r\n`;
}

/**
 * A byte stream of the header then every row. `batches` is pulled only when the client reads, so a
 * slow client applies back-pressure to the database reads instead of filling memory.
 */
export function csvStream<T>(
  columns: CsvColumn<T>[],
  batches: AsyncIterable<T[]>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvHeader(columns)));
        return;
      }
      // A pull must enqueue or close: one that returns with neither is not called again (Bun), and
      // the response never ends. So empty batches (an export with no rows) are skipped here.
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        let chunk = "";
        for (const row of next.value) chunk += csvLine(columns, row);
        if (chunk) {
          controller.enqueue(encoder.encode(chunk));
          return;
        }
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Pages through a keyset-paginated source until it reports no next cursor. */
export async function* keysetBatches<T, C>(
  fetchPage: (cursor: C | null) => Promise<{ rows: T[]; next: C | null }>,
): AsyncGenerator<T[]> {
  let cursor: C | null = null;
  do {
    const page = await fetchPage(cursor);
    if (page.rows.length > 0) yield page.rows;
    cursor = page.next;
  } while (cursor !== null);
}

export async function* mapBatches<T, U>(batches: AsyncIterable<T[]>, fn: (row: T) => U): AsyncGenerator<U[]> {
  for await (const batch of batches) yield batch.map(fn);
}

/** Rows already in memory (small reference lists), as a batch source. */
export async function* oneBatch<T>(rows: T[]): AsyncGenerator<T[]> {
  yield rows;
}

/**
 * A streamed text/csv Response. Typed as a JSON response with no body type (`never`) so that it fits
 * the 200 slot of a route declared with jsonOrCsv() (see src/lib/openapi-csv.ts) without widening the
 * typed client's view of that route.
 */
export type CsvResponse = Response & TypedResponse<never, 200, "json">;

/** A streamed CSV response, offered as a download. */
export function csvResponse<T>(
  filename: string,
  columns: CsvColumn<T>[],
  batches: AsyncIterable<T[]>,
): CsvResponse {
  return new Response(csvStream(columns, batches), {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
    },
  }) as CsvResponse;
}

/**
 * Whether an Accept header weighs text/csv above application/json. Exact types only: a browser's
 * catch-all (any type, any subtype) asks for nothing in particular and gets JSON. Parsed by Hono's Accept parser, which reads a
 * weight it cannot parse (`q=abc`) as 1, like an absent one.
 */
export function prefersCsv(accept: string): boolean {
  let csv = 0;
  let json = 0;
  for (const a of parseAccept(accept)) {
    const type = a.type.toLowerCase();
    if (type === "text/csv") csv = Math.max(csv, a.q);
    else if (type === "application/json") json = Math.max(json, a.q);
  }
  return csv > json;
}

/**
 * CSV when `format=csv`, or when the Accept header prefers text/csv over JSON. An explicit
 * `format=json` wins over the header, so a browser link can always force either.
 */
export function wantsCsv(c: Context, format: "json" | "csv" | undefined): boolean {
  if (format) return format === "csv";
  const accept = c.req.header("accept");
  if (!accept) return false;
  return prefersCsv(accept);
}
