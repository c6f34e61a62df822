// JSON encoding of cached values. Dates are tagged so they come back as Dates (plain JSON would turn
// them into strings, and a cached measure would then differ from a freshly computed one).

const DATE_TAG = "$cf:date";

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // JSON.stringify has already called Date#toJSON on `value`; the original is still on the holder.
  const original = this[key];
  if (original instanceof Date) {
    return { [DATE_TAG]: Number.isNaN(original.getTime()) ? null : original.toISOString() };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (DATE_TAG in record && Object.keys(record).length === 1) {
      const iso = record[DATE_TAG];
      return new Date(typeof iso === "string" ? iso : Number.NaN);
    }
  }
  return value;
}

/** The stored form of a value; undefined when the value has no JSON form (undefined, a function). */
export function encodeValue(value: unknown): string | undefined {
  return JSON.stringify(value, replacer);
}

/** Throws on text that is not JSON (a corrupt or foreign value). */
export function decodeValue<T>(text: string): T {
  // A reviver runs for every value in the document (ten times the parse itself for a measure summary,
  // profiled in `bun run bench`); text without a tagged Date cannot need it.
  return (text.includes(DATE_TAG) ? JSON.parse(text, reviver) : JSON.parse(text)) as T;
}
