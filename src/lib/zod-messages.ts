import { z } from "zod";

// zod's default messages are written for programmers ("Invalid input: expected number, received
// NaN"). A dashboard shows validation messages to the person who typed the value, next to the field
// the error's `path` names, so every message here reads as the end of a sentence about that field:
// "must be a positive integer", "is required", "must be one of: felony, misdemeanor".
//
// Installed once for the process as zod's global error map: it is consulted only for issues whose
// schema gives no message of its own, so a schema-specific message ("must be a date YYYY-MM-DD")
// still wins.

/** The parts of a zod issue this map reads (zod/v4/core's raw issue, structurally). */
interface RawIssue {
  code: string;
  input?: unknown;
  expected?: string;
  origin?: string;
  format?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: readonly unknown[];
  keys?: readonly string[];
  divisor?: number;
  inst?: unknown;
  schema?: unknown;
}

interface CheckDef {
  check?: string;
  format?: string;
  value?: number | bigint;
  inclusive?: boolean;
}

/** The largest PostgreSQL integer: an id bound, too large to be worth saying unless it is exceeded. */
const PG_INT_MAX = 2_147_483_647;

function checksOf(schema: unknown): CheckDef[] {
  const checks = (schema as { _zod?: { def?: { checks?: { _zod?: { def?: CheckDef } }[] } } })?._zod?.def
    ?.checks;
  return (checks ?? []).map((c) => c._zod?.def ?? {});
}

/** "a positive integer", "an integer between 1 and 200", "a number": what a number field accepts. */
export function describeNumber(schema: unknown): string {
  let integer = false;
  let lower: { value: number; inclusive: boolean } | undefined;
  let max: number | undefined;
  for (const c of checksOf(schema)) {
    if (c.check === "number_format" && c.format && /int/.test(c.format)) integer = true;
    if (c.check === "greater_than" && c.value !== undefined)
      lower = { value: Number(c.value), inclusive: c.inclusive === true };
    if (c.check === "less_than" && c.value !== undefined) max = Number(c.value);
  }
  if (max === PG_INT_MAX) max = undefined;
  const a = integer ? "an integer" : "a number";
  // An integer greater than 0 is at least 1; a number greater than 0 is just that.
  const min = lower && (lower.inclusive ? lower.value : integer ? lower.value + 1 : undefined);
  if (lower && min === undefined) {
    return max === undefined
      ? `${a} greater than ${lower.value}`
      : `${a} greater than ${lower.value} and at most ${max}`;
  }
  if (integer && min === 1 && max === undefined) return "a positive integer";
  if (min !== undefined && max !== undefined) return `${a} between ${min} and ${max}`;
  if (min !== undefined) return `${a} of at least ${min}`;
  if (max !== undefined) return `${a} of at most ${max}`;
  return a;
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  date: "a date",
  bigint: "an integer",
  null: "null",
};

const FORMAT_NAMES: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  date: "a date YYYY-MM-DD",
  datetime: "a date and time (ISO 8601)",
  regex: "in the expected format",
};

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
}

/** The readable message for a zod issue, or undefined to leave zod's own. */
export function plainMessage(issue: RawIssue): string | undefined {
  const schema = issue.schema ?? issue.inst;
  // A missing required field, whatever kind of value it needed (a text, an enum, one of a union).
  const missing = issue.input === undefined;
  if (missing && ["invalid_type", "invalid_value", "invalid_union"].includes(issue.code))
    return "is required";
  switch (issue.code) {
    case "invalid_type": {
      if (issue.expected === "number" || issue.expected === "int") return `must be ${describeNumber(schema)}`;
      const name = issue.expected ? TYPE_NAMES[issue.expected] : undefined;
      if (issue.expected === "string") return "must be text";
      return name ? `must be ${name}` : "has the wrong type";
    }
    case "invalid_value":
      if (issue.values?.length === 1) return `must be ${list(issue.values)}`;
      return `must be one of: ${list(issue.values ?? [])}`;
    case "too_small":
      if (issue.origin === "number" || issue.origin === "bigint") return `must be ${describeNumber(schema)}`;
      if (issue.origin === "string")
        return Number(issue.minimum) <= 1
          ? "must not be empty"
          : `must be at least ${issue.minimum} characters`;
      if (issue.origin === "array" || issue.origin === "set")
        return Number(issue.minimum) <= 1
          ? "must have at least one entry"
          : `must have at least ${issue.minimum} entries`;
      return `is too small (minimum ${issue.minimum})`;
    case "too_big":
      if (issue.origin === "number" || issue.origin === "bigint") {
        const range = describeNumber(schema);
        // An id's implicit PostgreSQL bound is named only when the value exceeds it.
        return Number(issue.maximum) === PG_INT_MAX
          ? `must be ${range} no larger than ${PG_INT_MAX}`
          : `must be ${range}`;
      }
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      if (issue.origin === "array" || issue.origin === "set")
        return `must have at most ${issue.maximum} entries`;
      return `is too large (maximum ${issue.maximum})`;
    case "invalid_format":
      return `must be ${(issue.format && FORMAT_NAMES[issue.format]) ?? `a valid ${issue.format ?? "value"}`}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return `${issue.keys?.length === 1 ? "is not a known field" : "are not known fields"}: ${list(issue.keys ?? [])}`;
    case "invalid_union":
      return "does not match any accepted form";
    case "invalid_key":
      return "has an invalid key";
    case "invalid_element":
      return "has an invalid entry";
    case "custom":
      return "is not valid";
    default:
      return undefined;
  }
}

let installed = false;

/** Makes plainMessage zod's global error map (idempotent). */
export function installPlainMessages(): void {
  if (installed) return;
  installed = true;
  z.config({ customError: (issue) => plainMessage(issue as RawIssue) });
}
