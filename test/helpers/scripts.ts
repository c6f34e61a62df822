import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { MIGRATIONS_FOLDER } from "../../src/db/migrate";
import { childEnv, ROOT, tempDir } from "./process";

// Running the operator scripts as real processes, the way operators do, and the fixtures they need.

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `bun --no-env-file scripts/<script> …args` in an empty temporary directory (no .env.* files there
 * unless the test writes them), with only the given connection variables.
 */
export async function runScript(
  script: "migrate.ts" | "seed.ts" | "restore.ts" | "create-admin.ts" | "measures.ts",
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
  opts: { stdin?: string } = {},
): Promise<ScriptResult> {
  const dir = cwd ?? tempDir("script");
  try {
    const proc = Bun.spawn(["bun", "--no-env-file", join(ROOT, "scripts", script), ...args], {
      cwd: dir,
      env: childEnv({ LOG_LEVEL: "silent", ...env }),
      stdin: opts.stdin === undefined ? "ignore" : new Blob([opts.stdin]),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    if (!cwd) rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of drizzle/ plus extra migrations, appended to the journal after the real ones. */
export function migrationsWith(extra: { tag: string; sql: string[] }[]): string {
  const dir = tempDir("migrations");
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  for (const m of extra) {
    const last = journal.entries.at(-1)!;
    journal.entries.push({
      idx: last.idx + 1,
      version: "7",
      when: last.when + 1000,
      tag: m.tag,
      breakpoints: true,
    });
    writeFileSync(join(dir, `${m.tag}.sql`), m.sql.join("\n--> statement-breakpoint\n"));
  }
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  return dir;
}

/** One short-lived connection for assertions. */
export async function withClient<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Exact row counts of every table in public. */
export async function rowCounts(url: string): Promise<Record<string, number>> {
  return withClient(url, async (sql) => {
    const tables = await sql<{ name: string }[]>`
      select tablename as name from pg_tables where schemaname = 'public' order by 1`;
    const out: Record<string, number> = {};
    for (const t of tables) {
      const [r] = await sql.unsafe(`select count(*)::int as n from public."${t.name}"`);
      out[t.name] = Number(r!.n);
    }
    return out;
  });
}

/** Columns of every public table: a schema fingerprint to compare before and after. */
export async function schemaFingerprint(url: string): Promise<string[]> {
  return withClient(url, async (sql) => {
    const rows = await sql<{ c: string }[]>`
      select table_name || '.' || column_name || ':' || data_type as c
        from information_schema.columns where table_schema = 'public' order by 1`;
    return rows.map((r) => r.c);
  });
}
