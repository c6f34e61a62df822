import type { CsvColumn } from "../../lib/csv";
import type { ActivityRow } from "./cases.repo";
import type { CaseSummaryJson } from "./cases.service";

// Column layouts of the cases and timeline CSV exports: the JSON fields, snake_cased, in order.

export const caseCsvColumns: CsvColumn<CaseSummaryJson>[] = [
  { header: "id", value: (c) => c.id },
  { header: "court_id", value: (c) => c.courtId },
  { header: "court_code", value: (c) => c.courtCode, text: true },
  { header: "case_number", value: (c) => c.caseNumber, text: true },
  { header: "case_type", value: (c) => c.caseType },
  { header: "filed_on", value: (c) => c.filedOn },
  { header: "status", value: (c) => c.status },
  { header: "status_on", value: (c) => c.statusOn },
  { header: "judge_id", value: (c) => c.judgeId },
  { header: "judge_name", value: (c) => c.judgeName, text: true },
  { header: "disposed_on", value: (c) => c.disposedOn },
  { header: "disposition", value: (c) => c.disposition },
  { header: "age_days", value: (c) => c.ageDays },
  { header: "over_standard", value: (c) => c.overStandard },
];

export const activityCsvColumns: CsvColumn<ActivityRow>[] = [
  { header: "id", value: (a) => a.id },
  { header: "type", value: (a) => a.type },
  { header: "occurred_on", value: (a) => a.occurredOn },
  { header: "outcome", value: (a) => a.outcome },
  { header: "judge_id", value: (a) => a.judgeId },
  { header: "judge_name", value: (a) => a.judgeName, text: true },
  { header: "notes", value: (a) => a.notes, text: true },
  { header: "source_id", value: (a) => a.sourceId, text: true },
];
