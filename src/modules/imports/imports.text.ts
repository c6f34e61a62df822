// What text an import cell may hold, decided in JS so that PostgreSQL never has to refuse a value:
// PostgreSQL text cannot store NUL (a NUL in the staged JSON fails its conversion with 22P05), and a
// lone UTF-16 surrogate is no character at all. Codes, case numbers and source ids are identifiers:
// no control characters whatever. Notes are free text: tab, line feed and carriage return are kept.

/** NUL and the other C0 controls except tab, LF and CR; DEL; lone surrogates. */
const BAD_IN_NOTES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** As above, and tab, LF, CR and the C1 controls too. */
const BAD_IN_IDENTIFIERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type TextKind = "identifier" | "notes";

/** Why the value cannot be stored as text of this kind, or null. */
export function textProblem(value: string, kind: TextKind): string | null {
  const m = (kind === "notes" ? BAD_IN_NOTES : BAD_IN_IDENTIFIERS).exec(value);
  if (!m) return null;
  const code = m[0].codePointAt(0) ?? 0;
  if (code === 0) return "contains a NUL character";
  if (code >= 0xd800 && code <= 0xdfff) return "contains an invalid character (a lone surrogate)";
  return `contains a control character (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
}

const SHOWN_CHARS = 60;
const UNSHOWABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A cell value quoted in a row error message: short, and with nothing that could not be stored or
 * would garble a log line or a CSV export.
 */
export function shown(value: string): string {
  const cut = value.length > SHOWN_CHARS ? `${value.slice(0, SHOWN_CHARS)}…` : value;
  return `"${cut.replace(UNSHOWABLE, "\uFFFD")}"`;
}
