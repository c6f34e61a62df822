import { existsSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Config } from "../../../config/env";
import type { CheckOutcome, HealthCheck } from "../health.types";

const LOW_FREE_RATIO = 0.1;
const LOW_FREE_BYTES = 1024 ** 3;

/**
 * The directory whose disk matters to this process: the PGlite data in embedded mode, else the
 * backup directory (migration backups are the process's only large local writes).
 */
export function dataDirOf(config: Pick<Config, "embeddedDatabase" | "PGLITE_DIR" | "BACKUP_DIR">): string {
  return resolve(config.embeddedDatabase ? config.PGLITE_DIR : config.BACKUP_DIR);
}

/** The directory itself, or its nearest existing parent (it may not be created yet). */
function existing(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

export async function diskUsage(
  path: string,
): Promise<{ path: string; freeBytes: number; totalBytes: number }> {
  const at = existing(path);
  const s = await statfs(at);
  return { path: at, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

export function diskCheck(path: string): HealthCheck {
  return {
    name: "disk",
    async run(): Promise<CheckOutcome> {
      const d = await diskUsage(path);
      const details = { dataDir: path, ...d };
      if (d.freeBytes < LOW_FREE_BYTES || (d.totalBytes > 0 && d.freeBytes / d.totalBytes < LOW_FREE_RATIO)) {
        const pct = d.totalBytes > 0 ? Math.round((d.freeBytes / d.totalBytes) * 100) : 0;
        return { status: "warn", message: `disk low: ${pct}% free at ${d.path}`, details };
      }
      return { status: "ok", details };
    },
  };
}
