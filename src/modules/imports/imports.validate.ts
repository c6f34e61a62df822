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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MAX_KEY_CHARS = 200;
const MAX_NOTES_CHARS = 10_000;

/** A real calendar date written YYYY-MM-DD (no Date object: this runs for every row). */
export function isIsoDate(s: string): boolean {
  if (s.length !== 10 || s[4] !== "-" || s[7] !== "-") return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || y < 1) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
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

  required(field: string, value: string | null | undefined, maxChars = MAX_KEY_CHARS): string | null {
    if (value === null || value === undefined) {
      this.errors.push({ field, message: `${field} is required` });
      return null;
    }
    return this.length(field, value, maxChars);
  }

  length(field: string, value: string | null | undefined, maxChars: number): string | null {
    if (value === null || value === undefined) return null;
    if (value.length > maxChars) {
      this.errors.push({ field, message: `${field} is longer than ${maxChars} characters` });
      return null;
    }
    return value;
  }

  date(field: string, value: string | null): string | null {
    if (value === null) return null;
    if (!isIsoDate(value)) {
      this.errors.push({ field, message: `"${value}" is not a date YYYY-MM-DD` });
      return null;
    }
    return value;
  }

  vocab<T extends string>(field: string, value: string | null, allowed: Set<string>, what: string): T | null {
    if (value === null) return null;
    if (!allowed.has(value)) {
      this.errors.push({
        field,
        message: `unknown ${what} "${value}" (expected ${[...allowed].join(", ")})`,
      });
      return null;
    }
    return value as T;
  }

  court(value: string | null): number | null {
    if (value === null) return null;
    const id = this.lookups.courts.get(value);
    if (id === undefined) {
      this.errors.push({ field: "court_code", message: `unknown court code "${value}"` });
      return null;
    }
    if (this.lookups.scope && !this.lookups.scope.has(id)) {
      this.errors.push({ field: "court_code", message: `court ${value} is outside your court scope` });
      return null;
    }
    return id;
  }

  judge(value: string | null): number | null {
    if (value === null) return null;
    const id = this.lookups.judges.get(value);
    if (id === undefined) this.errors.push({ field: "judge_code", message: `unknown judge code "${value}"` });
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
  const statusOn = check.date("status_on", statusOnRaw ?? null);
  const judgeId = check.judge(judgeCode ?? null);
  const disposedOn = check.date("disposed_on", disposedOnRaw ?? null);
  const disposition = check.vocab<Disposition>(
    "disposition",
    dispositionRaw ?? null,
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
  const outcome = check.vocab<Outcome>("outcome", outcomeRaw ?? null, OUTCOME_SET, "outcome");
  const judgeId = check.judge(judgeCode ?? null);
  const notes = check.length("notes", notesRaw ?? null, MAX_NOTES_CHARS);
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
