import type { CsvColumn } from "../../lib/csv";
import type { flattenTree } from "./courts.hierarchy";
import type { toCourtJson } from "./courts.service";

// Column layouts of the courts CSV exports.

type CourtJson = ReturnType<typeof toCourtJson>;
type TreeRow = ReturnType<typeof flattenTree>[number];

export const courtCsvColumns: CsvColumn<CourtJson>[] = [
  { header: "id", value: (c) => c.id },
  { header: "code", value: (c) => c.code, text: true },
  { header: "name", value: (c) => c.name, text: true },
  { header: "level", value: (c) => c.level },
  { header: "parent_id", value: (c) => c.parentId },
  { header: "active", value: (c) => c.active },
  { header: "created_at", value: (c) => c.createdAt },
  { header: "updated_at", value: (c) => c.updatedAt },
];

export const treeCsvColumns: CsvColumn<TreeRow>[] = [
  { header: "id", value: (r) => r.id },
  { header: "code", value: (r) => r.code, text: true },
  { header: "name", value: (r) => r.name, text: true },
  { header: "level", value: (r) => r.level },
  { header: "parent_id", value: (r) => r.parentId },
  { header: "depth", value: (r) => r.depth },
  { header: "path", value: (r) => r.path, text: true },
  { header: "active", value: (r) => r.active },
];
