import type { MiddlewareHandler } from "hono";
import { AppError } from "./errors";

// JSON bodies must be UTF-8 (RFC 8259). Request.text() decodes leniently: an invalid byte becomes
// U+FFFD and is stored as such, silently changing what the client sent. So the body is decoded once,
// strictly, here; the validators then parse the same text. Escapes that JSON allows but Unicode does
// not (a lone surrogate such as "\ud800") are refused for the same reason: PostgreSQL would get U+FFFD.

/** The media types Hono's validator parses as JSON. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
const mediaType = (contentType: string) => contentType.split(";")[0]!.trim();
const strict = new TextDecoder("utf-8", { fatal: true });
/** A surrogate escape: only then can a lone surrogate hide in the text. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === "string") return !value.isWellFormed();
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => !k.isWellFormed() || hasLoneSurrogate(v));
  }
  return false;
}

const refuse = (message: string) =>
  AppError.validation([{ path: "body", message }], `Invalid request: the body ${message}`);

export const strictJsonBody: MiddlewareHandler = async (c, next) => {
  const type = c.req.header("content-type");
  if (c.req.raw.body === null || !type || !JSON_TYPE.test(mediaType(type))) return next();
  // Read errors (the body limit, a client gone) propagate as they are; only decoding is ours.
  const bytes = await c.req.arrayBuffer();
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    throw refuse("is not valid UTF-8 text");
  }
  if (SURROGATE_ESCAPE.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined; // malformed JSON: the validator says so
    }
    if (hasLoneSurrogate(parsed)) throw refuse("contains an unpaired surrogate escape (\\ud800–\\udfff)");
  }
  // The validators read the text from here (Hono's body cache) instead of decoding the bytes again.
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  return next();
};
