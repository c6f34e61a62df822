import { existsSync } from "node:fs";
import { lstat, readdir, statfs } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
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

/** Disk space the files under a directory take (allocated blocks, like du); 0 when it does not exist. */
export async function directoryBytes(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  let total = 0;
  for (const e of entries) {
    if (!e.isFile()) continue;
    const s = await lstat(join(e.parentPath, e.name)).catch(() => null);
    if (s) total += s.blocks * 512;
  }
  return total;
}

export interface DiskDirs {
  /** The embedded database's directory (PGLITE_DIR); null in services mode (PostgreSQL's disk is its own). */
  data: string | null;
  /** Where migrate:staging|prod write their pg_dump backups (BACKUP_DIR). */
  backups: string;
}

export function diskDirsOf(config: Pick<Config, "embeddedDatabase" | "PGLITE_DIR" | "BACKUP_DIR">): DiskDirs {
  return {
    data: config.embeddedDatabase ? resolve(config.PGLITE_DIR) : null,
    backups: resolve(config.BACKUP_DIR),
  };
}

async function dirReport(dir: string) {
  const [fs, usedBytes] = await Promise.all([diskUsage(dir), directoryBytes(dir)]);
  return { dir, fileSystem: fs.path, usedBytes, freeBytes: fs.freeBytes, totalBytes: fs.totalBytes };
}

function low(d: { freeBytes: number; totalBytes: number }): boolean {
  return d.freeBytes < LOW_FREE_BYTES || (d.totalBytes > 0 && d.freeBytes / d.totalBytes < LOW_FREE_RATIO);
}

/**
 * Free space where this process writes (the embedded database, the backups), and how much those take:
 * `usedBytes` is the directory's own files, `freeBytes`/`totalBytes` its file system's.
 */
export function diskCheck(dirs: DiskDirs): HealthCheck {
  return {
    name: "disk",
    async run(): Promise<CheckOutcome> {
      const [data, backups] = await Promise.all([
        dirs.data ? dirReport(dirs.data) : Promise.resolve(null),
        dirReport(dirs.backups),
      ]);
      const details = { data, backups };
      const short = [data && low(data) ? data : null, low(backups) ? backups : null].filter(
        (d) => d !== null,
      );
      if (short.length > 0) {
        const message = short
          .map(
            (d) =>
              `${d.totalBytes > 0 ? Math.round((d.freeBytes / d.totalBytes) * 100) : 0}% free at ${d.fileSystem}`,
          )
          .join("; ");
        return { status: "warn", message: `disk low: ${message}`, details };
      }
      return { status: "ok", details };
    },
  };
}
