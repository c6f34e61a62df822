import { pgEnum } from "drizzle-orm/pg-core";

// Vocabularies of docs/measures.md and docs/imports.md, enforced by PostgreSQL enum types. The TypeScript tuples are
// the single source for zod schemas too.

export const COURT_LEVELS = ["supreme", "appellate", "trial", "limited"] as const;
export const CASE_TYPES = [
  "felony",
  "misdemeanor",
  "traffic",
  "civil_general",
  "civil_summary",
  "domestic_relations",
  "juvenile_detained",
  "juvenile_not_detained",
  "probate",
  "protection_order",
  "post_conviction",
] as const;
export const CASE_STATUSES = ["active", "inactive", "disposed"] as const;
export const STATUS_EVENT_TYPES = [
  "filed",
  "reopened",
  "reactivated",
  "placed_inactive",
  "disposed",
] as const;
export const COURT_EVENT_TYPES = [
  "hearing",
  "trial_setting",
  "trial",
  "continuance",
  "motion",
  "order",
  "other",
] as const;
export const ACTIVITY_TYPES = [...STATUS_EVENT_TYPES, ...COURT_EVENT_TYPES] as const;
export const OUTCOMES = ["held", "continued", "vacated", "cancelled"] as const;
export const DISPOSITIONS = [
  "jury_trial",
  "bench_trial",
  "dismissed",
  "plea",
  "settled",
  "default_judgment",
  "transferred",
  "other",
] as const;
export const USER_ROLES = ["admin", "court_admin", "analyst", "viewer"] as const;
export const IMPORT_STATUSES = [
  "queued",
  "processing",
  "completed",
  "completed_with_errors",
  "failed",
] as const;

export type CourtLevel = (typeof COURT_LEVELS)[number];
export type CaseType = (typeof CASE_TYPES)[number];
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type Disposition = (typeof DISPOSITIONS)[number];
export type UserRole = (typeof USER_ROLES)[number];
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const courtLevel = pgEnum("court_level", COURT_LEVELS);
export const caseType = pgEnum("case_type", CASE_TYPES);
export const caseStatus = pgEnum("case_status", CASE_STATUSES);
export const activityType = pgEnum("activity_type", ACTIVITY_TYPES);
export const activityOutcome = pgEnum("activity_outcome", OUTCOMES);
export const disposition = pgEnum("disposition", DISPOSITIONS);
export const userRole = pgEnum("user_role", USER_ROLES);
export const importStatus = pgEnum("import_status", IMPORT_STATUSES);
