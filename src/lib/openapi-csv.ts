import { z } from "@hono/zod-openapi";

// OpenAPI pieces for list routes that answer JSON or CSV from the same URL.

export const formatParam = z
  .enum(["json", "csv"])
  .optional()
  .openapi({ description: "Response format; `csv` (or `Accept: text/csv`) streams a CSV download" });

const CsvText = z.string().openapi({
  description: "RFC 4180 CSV with a header row; text cells starting with = + - @ are prefixed with '",
});

/**
 * A 200 response that is JSON by default and CSV on request. The OpenAPI document lists both media
 * types; the TypeScript type lists JSON only, so the typed client (`hc<AppType>`) gives the dashboard
 * the JSON body from `res.json()` rather than a union with `string | Response`. Handlers return the
 * CSV form through csvResponse(), whose type fits that JSON slot.
 */
export function jsonOrCsv<T extends z.ZodType>(schema: T, description: string) {
  const content = { "application/json": { schema }, "text/csv": { schema: CsvText } };
  return { description, content } as { description: string; content: { "application/json": { schema: T } } };
}
