import {
  ACTIVITY_TYPES,
  type ActivityType,
  CASE_STATUSES,
  CASE_TYPES,
  type CaseStatus,
  type CaseType,
  DISPOSITIONS,
  type Disposition,
  OUTCOMES,
  type Outcome,
} from "../../db/schema/enums";
import { isIsoDate } from "../../lib/dates";

import { shown, type TextKind, textProblem } from "./imports.text";

// Row validation of the daily import format (docs/imports.md): required fields, dates,
// vocabularies, court and judge codes, the uploader's court scope, disposed_on not before filed_on.
// Every problem of a row is reported, each with its field, so one pass over the errors fixes the file.
// Whether an activity's case exists is checked later against the database (cases land first).

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

export interface CaseInput {
  courtId: number;
  caseNumber: string;
  caseType: CaseType;
  filedOn: string;
  status: CaseStatus;
  statusOn: string | null;
  judgeId: number | null;
  disposedOn: string | null;
  disposition: Disposition | null;
}

export interface ActivityInput {
  sourceId: string;
  courtId: number;
  caseNumber: string;
  type: ActivityType;
  occurredOn: string;
  outcome: Outcome | null;
  judgeId: number | null;
  notes: string | null;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

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

const oneOf = (values: readonly string[]) => new Set(values);
const CASE_TYPE_SET = oneOf(CASE_TYPES);
const STATUS_SET = oneOf(CASE_STATUSES);
const DISPOSITION_SET = oneOf(DISPOSITIONS);
const ACTIVITY_TYPE_SET = oneOf(ACTIVITY_TYPES);
const OUTCOME_SET = oneOf(OUTCOMES);

/** Collects the problems of one row; each helper returns the clean value or null. */
class RowCheck {
  readonly errors: FieldError[] = [];
  constructor(private readonly lookups: Lookups) {}

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
  required(field: string, value: string | null | undefined): string | null {
    if (value === null || value === undefined) {
      this.errors.push({ field, message: `${field} is required` });
      return null;
    }
    return this.cell(field, value);
  }

  date(field: string, value: string | null): string | null {
    if (value === null) return null;
    if (!isRecordDate(value)) {
      const year = ISO_DATE.test(value) ? Number(value.slice(0, 4)) : null;
      const outside = year !== null && (year < MIN_YEAR || year > MAX_YEAR);
      this.errors.push({
        field,
        message: outside
          ? `${shown(value)} is outside the years ${MIN_YEAR}-${MAX_YEAR}`
          : `${shown(value)} is not a date YYYY-MM-DD`,
      });
      return null;
    }
    return value;
  }

  vocab<T extends string>(field: string, value: string | null, allowed: Set<string>, what: string): T | null {
    if (value === null) return null;
    if (!allowed.has(value)) {
      this.errors.push({
        field,
        message: `unknown ${what} ${shown(value)} (expected ${[...allowed].join(", ")})`,
      });
      return null;
    }
    return value as T;
  }

  /**
   * A court outside the uploader's scope is answered exactly as one that does not exist: the row
   * error must not tell a court administrator which codes other districts use.
   */
  court(value: string | null): number | null {
    if (value === null) return null;
    const id = this.lookups.courts.get(value);
    if (id === undefined || (this.lookups.scope && !this.lookups.scope.has(id))) {
      this.errors.push({ field: "court_code", message: `unknown court code ${shown(value)}` });
      return null;
    }
    return id;
  }

  /** `lookups.judges` holds only the judges the uploader's scope can see; the others are unknown. */
  judge(value: string | null): number | null {
    if (value === null) return null;
    const id = this.lookups.judges.get(value);
    if (id === undefined)
      this.errors.push({ field: "judge_code", message: `unknown judge code ${shown(value)}` });
    return id ?? null;
  }
}

/** A staged cases.csv row (CASE_COLUMNS order). */
export function validateCase(row: (string | null)[], lookups: Lookups): Validated<CaseInput> {
  const [
    courtCode,
    caseNumberRaw,
    caseTypeRaw,
    filedOnRaw,
    statusRaw,
    statusOnRaw,
    judgeCode,
    disposedOnRaw,
    dispositionRaw,
  ] = row as (string | null)[];
  const check = new RowCheck(lookups);
  const courtId = check.court(check.required("court_code", courtCode));
  const caseNumber = check.required("case_number", caseNumberRaw);
  const caseType = check.vocab<CaseType>(
    "case_type",
    check.required("case_type", caseTypeRaw),
    CASE_TYPE_SET,
    "case type",
  );
  const filedOn = check.date("filed_on", check.required("filed_on", filedOnRaw));
  const status = check.vocab<CaseStatus>("status", check.required("status", statusRaw), STATUS_SET, "status");
  const statusOn = check.date("status_on", check.cell("status_on", statusOnRaw));
  const judgeId = check.judge(check.cell("judge_code", judgeCode));
  const disposedOn = check.date("disposed_on", check.cell("disposed_on", disposedOnRaw));
  const disposition = check.vocab<Disposition>(
    "disposition",
    check.cell("disposition", dispositionRaw),
    DISPOSITION_SET,
    "disposition",
  );
  if (filedOn && disposedOn && disposedOn < filedOn) {
    check.errors.push({
      field: "disposed_on",
      message: `disposed_on ${disposedOn} is before filed_on ${filedOn}`,
    });
  }
  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  return {
    ok: true,
    value: {
      courtId: courtId!,
      caseNumber: caseNumber!,
      caseType: caseType!,
      filedOn: filedOn!,
      status: status!,
      statusOn,
      judgeId,
      disposedOn,
      disposition,
    },
  };
}

/** A staged activities.csv row (ACTIVITY_COLUMNS order). */
export function validateActivity(row: (string | null)[], lookups: Lookups): Validated<ActivityInput> {
  const [sourceIdRaw, courtCode, caseNumberRaw, typeRaw, occurredOnRaw, outcomeRaw, judgeCode, notesRaw] =
    row as (string | null)[];
  const check = new RowCheck(lookups);
  const sourceId = check.required("source_id", sourceIdRaw);
  const courtId = check.court(check.required("court_code", courtCode));
  const caseNumber = check.required("case_number", caseNumberRaw);
  const type = check.vocab<ActivityType>(
    "type",
    check.required("type", typeRaw),
    ACTIVITY_TYPE_SET,
    "activity type",
  );
  const occurredOn = check.date("occurred_on", check.required("occurred_on", occurredOnRaw));
  const outcome = check.vocab<Outcome>("outcome", check.cell("outcome", outcomeRaw), OUTCOME_SET, "outcome");
  const judgeId = check.judge(check.cell("judge_code", judgeCode));
  const notes = check.cell("notes", notesRaw, "notes");
  if (check.errors.length > 0) return { ok: false, errors: check.errors };
  return {
    ok: true,
    value: {
      sourceId: sourceId!,
      courtId: courtId!,
      caseNumber: caseNumber!,
      type: type!,
      occurredOn: occurredOn!,
      outcome,
      judgeId,
      notes,
    },
  };
}
