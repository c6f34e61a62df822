import { rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { migratePostgres } from "../../src/db/migrate";
import { ROOT, tempDirFor } from "./bench-processes";
import { CliError } from "./cli";

// The benchmark's own database: dropped, recreated, migrated and filled by the real seed script
// (`db:seed:dev`), timed end to end like an operator would see it.

export interface SeedTiming {
  /** Wall time of the whole seed command (load, index rebuild, measure rollups). */
  totalMs: number;
  /** The seed's own "load" figure: case and activity rows per second. */
  loadRowsPerSecond: number | null;
  loadMs: number | null;
  rollupsMs: number | null;
  rows: number | null;
}

function adminUrlOf(url: string): { admin: string; name: string } {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  return { admin: u.toString(), name };
}

export async function recreateDatabase(url: string): Promise<void> {
  const { admin, name } = adminUrlOf(url);
  // Only a database named as a bench one (courtflow_bench…, or …_bench / …_bench_… like cf_h18_bench).
  if (!/^courtflow_bench\w*$/.test(name) && !/^\w+_bench(_\w+)?$/.test(name))
    throw new CliError(`refusing to drop "${name}": not a bench database`);
  const sql = postgres(admin, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
  await migratePostgres(url);
}

/** Number of cases in the bench database, or null when it does not exist or is not migrated. */
export async function existingCases(url: string): Promise<number | null> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [r] = await sql`select count(*)::int as n from cases`;
    return Number(r!.n);
  } catch {
    return null;
  } finally {
    await sql.end().catch(() => {});
  }
}

const seconds = (text: string | undefined) => {
  if (!text) return null;
  const m = /([\d.]+) (ms|s)/.exec(text);
  return m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : null;
};

/** Parses the seed's summary lines ("load 3.4 s: 115,970 … rows, 33,742 rows/s", "rollups 6.9 s"). */
export function parseSeedSummary(out: string): Omit<SeedTiming, "totalMs"> {
  const load = /^\s+load\s+(\S+ m?s): ([\d,]+) case and activity rows, ([\d,]+) rows\/s/m.exec(out);
  const rollups = /^\s+rollups\s+(\S+ m?s)/m.exec(out);
  const num = (s: string | undefined) => (s ? Number(s.replace(/,/g, "")) : null);
  return {
    loadMs: seconds(load?.[1]),
    rows: num(load?.[2]),
    loadRowsPerSecond: num(load?.[3]),
    rollupsMs: seconds(rollups?.[1]),
  };
}

/**
 * `bun --no-env-file scripts/seed.ts dev --cases N --force`, in an empty directory so no .env file
 * can redirect it; the seed's progress goes to the terminal, its summary is parsed.
 */
export async function seedDatabase(url: string, cases: number): Promise<SeedTiming> {
  const cwd = tempDirFor("seed");
  const t0 = performance.now();
  try {
    const proc = Bun.spawn(
      ["bun", "--no-env-file", join(ROOT, "scripts/seed.ts"), "dev", "--cases", String(cases), "--force"],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "",
          DATABASE_URL: url,
          LOG_LEVEL: "warn",
        },
        stdout: "pipe",
        stderr: "inherit",
      },
    );
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    if (code !== 0) throw new CliError(`seed failed (exit ${code}):\n${out}`);
    return { totalMs: performance.now() - t0, ...parseSeedSummary(out) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
