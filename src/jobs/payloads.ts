import { z } from "zod";
import { isoDate } from "../lib/openapi";

// Job payloads are validated when a job is processed: a job written by another version of the code,
// or by hand, fails at once (no retries) instead of doing something unexpected.

export const ImportJobPayload = z.object({ batchId: z.number().int().positive() }).strict();
export type ImportJobPayload = z.infer<typeof ImportJobPayload>;

/** The caseload at the end of `date` (default: yesterday, UTC — the last complete day). */
export const CaseloadSnapshotPayload = z.object({ date: isoDate.optional() }).strict();
export type CaseloadSnapshotPayload = z.infer<typeof CaseloadSnapshotPayload>;

export const MeasuresWarmupPayload = z.object({}).strict();
export type MeasuresWarmupPayload = z.infer<typeof MeasuresWarmupPayload>;

/** Overrides of RETENTION_STAGED_DAYS / RETENTION_AUDIT_DAYS for one run. */
export const RetentionPayload = z
  .object({
    stagedDays: z.number().int().positive().optional(),
    auditDays: z.number().int().positive().optional(),
  })
  .strict();
export type RetentionPayload = z.infer<typeof RetentionPayload>;

export const MeasuresRefreshPayload = z.object({}).strict();
export type MeasuresRefreshPayload = z.infer<typeof MeasuresRefreshPayload>;

export const ImportsRecoverPayload = z.object({}).strict();
export type ImportsRecoverPayload = z.infer<typeof ImportsRecoverPayload>;
