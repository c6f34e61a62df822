import type { PgEnum } from "drizzle-orm/pg-core";
import { isIsoDate } from "../../lib/dates";
import { shown, type TextKind, textProblem } from "./imports.text";

// What one cell of an import row may hold, and the row error when it holds something else: the
// parsers the column spec (imports.columns.ts) gives each column. Every problem of a row is collected
// with its field, so one pass over the errors fixes the file.

export interface FieldError {
  field: string | null;
  message: string;
}

/** Code → id of the courts and judges, loaded once per batch. Codes match case-insensitively. */
export class CodeMap {
  private readonly exact = new Map<string, number>();
  private readonly folded = new Map<string, number>();
  constructor(rows: { id: number; code: string }[]) {
    for (const r of rows) {
      this.exact.set(r.code, r.id);
      this.folded.set(r.code.toUpperCase(), r.id);
    }
  }
  get(code: string): number | undefined {
    return this.exact.get(code) ?? this.folded.get(code.toUpperCase());
  }
}

export interface Lookups {
  courts: CodeMap;
  judges: CodeMap;
  /** Courts the uploader may write; null = every court. */
  scope: Set<number> | null;
}

/** Identifiers (codes, case numbers, source ids): also what a B-tree index entry holds with room to spare. */
export const MAX_KEY_CHARS = 200;
export const MAX_NOTES_CHARS = 10_000;
/** Dates a court record can sensibly carry; anything else is a typo (0205, 20205) or a placeholder. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2099;

/** The shape alone, to tell a year out of range from a value that is no date at all. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (src/lib/dates.ts) in MIN_YEAR..MAX_YEAR. */
export function isRecordDate(s: string): boolean {
  if (!isIsoDate(s)) return false;
  const y = Number(s.slice(0, 4));
  return y >= MIN_YEAR && y <= MAX_YEAR;
}

/** Collects the problems of one row; each helper returns the clean value or null. */
export class RowCheck {
  readonly errors: FieldError[] = [];
  constructor(readonly lookups: Lookups) {}

  /**
   * Every cell passes here first: text PostgreSQL could not store, or longer than the field may be,
   * is the row's error for that field, and the cell counts as absent for the checks after it.
   */
  cell(field: string, value: string | null | undefined, kind: TextKind = "identifier"): string | null {
    if (value === null || value === undefined) return null;
    const problem = textProblem(value, kind);
    if (problem) {
      this.errors.push({ field, message: `${field} ${problem}` });
      return null;
    }
    const max = kind === "notes" ? MAX_NOTES_CHARS : MAX_KEY_CHARS;
    if (value.length > max) {
      this.errors.push({ field, message: `${field} is longer than ${max} characters` });
      return null;
    }
    return value;
  }

  /** A required cell: absent is an error (a cell refused by `cell` already has one). */
  required(field: string, value: string | null | undefined, kind: TextKind = "identifier"): string | null {
    if (value === null || value === undefined) {
      this.errors.push({ field, message: `${field} is required` });
      return null;
    }
    return this.cell(field, value, kind);
  }
}

/**
 * How a column's cell becomes a value: what text it may hold (`text`), then `parse`, which sees the
 * cell once `RowCheck.cell` accepted it (null = absent or refused) and records its own row errors.
 */
export interface CellParser<T> {
  text: TextKind;
  /** The PostgreSQL type the value is written as (json_to_recordset's column definition). */
  sqlType: string;
  parse(check: RowCheck, field: string, value: string | null): T | null;
}

/** An identifier (case number, source id): any text without control characters, up to MAX_KEY_CHARS. */
export const identifier: CellParser<string> = {
  text: "identifier",
  sqlType: "text",
  parse: (_check, _field, value) => value,
};

/** Free text: tab and line breaks allowed, up to MAX_NOTES_CHARS. */
export const freeText: CellParser<string> = {
  text: "notes",
  sqlType: "text",
  parse: (_check, _field, value) => value,
};

export const recordDate: CellParser<string> = {
  text: "identifier",
  sqlType: "date",
  parse(check, field, value) {
    if (value === null) return null;
    if (!isRecordDate(value)) {
      const year = ISO_DATE.test(value) ? Number(value.slice(0, 4)) : null;
      const outside = year !== null && (year < MIN_YEAR || year > MAX_YEAR);
      check.errors.push({
        field,
        message: outside
          ? `${shown(value)} is outside the years ${MIN_YEAR}-${MAX_YEAR}`
          : `${shown(value)} is not a date YYYY-MM-DD`,
      });
      return null;
    }
    return value;
  },
};

/**
 * One of a vocabulary's values, exactly (lower case), written as its PostgreSQL enum type; `what`
 * names the vocabulary in the row error.
 */
export function vocabulary<V extends [string, ...string[]]>(
  pgEnum: PgEnum<V>,
  what: string,
): CellParser<V[number]> & { values: readonly V[number][] } {
  const values = pgEnum.enumValues;
  const allowed = new Set<string>(values);
  const expected = values.join(", ");
  return {
    values,
    text: "identifier",
    sqlType: pgEnum.enumName,
    parse(check, field, value) {
      if (value === null) return null;
      if (!allowed.has(value)) {
        check.errors.push({ field, message: `unknown ${what} ${shown(value)} (expected ${expected})` });
        return null;
      }
      return value as V[number];
    },
  };
}

/**
 * A court code → the court's id. A court outside the uploader's scope is answered exactly as one that
 * does not exist: the row error must not tell a court administrator which codes other districts use.
 */
export const courtCode: CellParser<number> = {
  text: "identifier",
  sqlType: "int",
  parse(check, field, value) {
    if (value === null) return null;
    const id = check.lookups.courts.get(value);
    if (id === undefined || (check.lookups.scope && !check.lookups.scope.has(id))) {
      check.errors.push({ field, message: `unknown court code ${shown(value)}` });
      return null;
    }
    return id;
  },
};

/** A judge code → the judge's id; `lookups.judges` holds only the judges the uploader's scope can see. */
export const judgeCode: CellParser<number> = {
  text: "identifier",
  sqlType: "int",
  parse(check, field, value) {
    if (value === null) return null;
    const id = check.lookups.judges.get(value);
    if (id === undefined) check.errors.push({ field, message: `unknown judge code ${shown(value)}` });
    return id ?? null;
  },
};
