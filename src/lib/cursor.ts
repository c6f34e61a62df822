import { z } from "@hono/zod-openapi";

// Keyset cursors are opaque to clients: base64url of a small JSON document naming the sort and the
// last row's sort key. Clients must pass them back unchanged; the shape may change between releases.

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** Undefined when the text is not base64url JSON. */
export function decodeCursorJson(text: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * A query parameter that decodes to `shape`; anything else fails validation at `query.cursor`, so a
 * tampered or truncated cursor is a 400 naming the field rather than a 500 or a silent first page.
 */
export function cursorParam<T extends z.ZodType>(shape: T) {
  return z
    .string()
    .max(512)
    .transform((text, ctx): z.output<T> => {
      const parsed = shape.safeParse(decodeCursorJson(text));
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: "is not a cursor returned by this endpoint" });
        return z.NEVER;
      }
      return parsed.data;
    })
    .openapi({
      type: "string",
      description: "Opaque cursor: the `nextCursor` of the previous page, passed back unchanged",
    });
}
