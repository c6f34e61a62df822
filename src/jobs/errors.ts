// What a failed job says about its error: Drizzle wraps the driver's error in a "Failed query: <the
// whole SQL>" message, which tells an operator nothing; the driver's message and SQLSTATE do.

export function describeJobError(err: unknown): string {
  const messages: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 6; depth++) {
    const e = cur as { message?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.message === "string" && !e.message.startsWith("Failed query:")) {
      const code = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? ` (SQLSTATE ${e.code})` : "";
      messages.push(`${e.message}${code}`);
    }
    cur = e.cause;
  }
  return (messages.at(-1) ?? String(err)).slice(0, 2000);
}
