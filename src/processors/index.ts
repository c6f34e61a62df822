import type { AnyJobDefinition } from "../jobs/types";
import { caseloadSnapshotProcessor } from "./caseload-snapshot.processor";
import { importProcessor } from "./import.processor";
import { importsRecoverProcessor } from "./imports-recover.processor";
import { measuresRefreshProcessor } from "./measures-refresh.processor";
import { measuresWarmupProcessor } from "./measures-warmup.processor";
import { retentionProcessor } from "./retention.processor";

/** Every job the workers (and the embedded runner) know how to run. */
export const JOB_DEFINITIONS: readonly AnyJobDefinition[] = [
  importProcessor,
  caseloadSnapshotProcessor,
  measuresWarmupProcessor,
  retentionProcessor,
  importsRecoverProcessor,
  measuresRefreshProcessor,
];
