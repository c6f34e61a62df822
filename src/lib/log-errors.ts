// How an error looks in a log line. Database errors carry row data in three places: Drizzle's
// DrizzleQueryError has the whole SQL and every bind parameter in its message, its stack and its
// `params` (an import chunk's parameter is the JSON of 5 000 rows: ~265 KB, repeated per attempt);
// PostgreSQL's message quotes the refused value (`invalid input syntax for type date: "…"`); and its
// `detail` and `where` quote the row (`Failing row contains (…)`, `Key (…)=(…)`). None of that may
// reach a log line: it is case data, and it makes lines too large to ship. What is kept: the error's
// type, SQLSTATE, routine, table, column and constraint names, the statement (its verb and table),
// how many parameters it had and their size, and the stack frames.

const MAX_MESSAGE_CHARS = 300;
const MAX_FRAMES = 15;
const MAX_DEPTH = 5;
/** Fields of a postgres.js error that name things rather than quote data. */
const KEPT_FIELDS = [
  "code",
  "severity",
  "routine",
  "schema_name",
  "table_name",
  "column_name",
  "constraint_name",
  "errno",
  "syscall",
] as const;

/** PostgreSQL quotes values (and names) in double quotes: every quoted part is dropped. */
export function redactQuoted(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
}

function capped(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

/** "insert into cases", "update case_activities", "select" — the verb and the table it writes, if any. */
export function statementName(query: string): string {
  const q = query.replace(/\s+/g, " ").trim().toLowerCase();
  const write = /\b(insert into|update|delete from|copy)\s+("?[\w.]+"?)/.exec(q);
  if (write) return `${write[1]} ${write[2]!.replaceAll('"', "")}`;
  return q.split(" ", 1)[0] ?? "";
}

function paramsSummary(params: unknown): { count: number; bytes: number } | undefined {
  if (!Array.isArray(params)) return undefined;
  let bytes = 0;
  for (const p of params) bytes += typeof p === "string" ? p.length : String(p ?? "").length;
  return { count: params.length, bytes };
}

interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  statement?: string;
  params?: { count: number; bytes: number };
  cause?: LoggedError;
  [key: string]: unknown;
}

function serialize(err: Error, depth: number): LoggedError {
  const e = err as Error & Record<string, unknown>;
  const isQuery = typeof e.query === "string" && "params" in e;
  const isDriver = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code);
  const type = e.constructor?.name || e.name || "Error";
  let message: string;
  if (isQuery) message = `Failed query: ${statementName(e.query as string)}`;
  else if (isDriver) message = redactQuoted(err.message);
  else message = err.message;
  message = capped(message);
  const out: LoggedError = { type, message };
  if (typeof err.stack === "string") {
    const frames = err.stack.split("\n").filter((l) => /^\s+at /.test(l));
    out.stack = [`${type}: ${message}`, ...frames.slice(0, MAX_FRAMES)].join("\n");
  }
  if (isQuery) {
    out.statement = statementName(e.query as string);
    const summary = paramsSummary(e.params);
    if (summary) out.params = summary;
  }
  for (const k of KEPT_FIELDS) if (e[k] !== undefined && e[k] !== null) out[k] = e[k];
  if (err.cause instanceof Error && depth < MAX_DEPTH) out.cause = serialize(err.cause, depth + 1);
  return out;
}

/** pino's `err` serializer: see the top of this file. Non-errors pass through. */
export function safeErrorSerializer(err: unknown): unknown {
  return err instanceof Error ? serialize(err, 0) : err;
}
