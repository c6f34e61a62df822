import { redactQuoted } from "../lib/log-errors";

// What a failed job says about its error (BullMQ keeps it as the job's failedReason, shown on the
// queue board): Drizzle wraps the driver's error in a "Failed query: <the whole SQL and its
// parameters>" message, which tells an operator nothing and carries row data; the driver's message
// and SQLSTATE do, once the values PostgreSQL quotes in it are dropped.

export function describeJobError(err: unknown): string {
  const messages: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const e = cur as { message?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.message === "string" && !e.message.startsWith("Failed query:")) {
      const code = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : "";
      messages.push(`${code ? redactQuoted(e.message) : e.message}${code}`);
    }
    cur = e.cause;
  }
  return (messages.at(-1) ?? String(err)).slice(0, 2000);
}
