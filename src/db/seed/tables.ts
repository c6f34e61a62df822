import type { SeedSession } from "./session";

// Emptiness checks and the --force reset, shared by the staging/dev seeds and the embedded start.

/** Tables whose rows mean "this database already holds data" for a seed. */
const DATA_TABLES = ["courts", "judges", "cases", "case_activities", "users"] as const;

/** The data tables that hold at least one row ([] for a blank database). */
export async function nonEmptyTables(session: SeedSession): Promise<string[]> {
  const probes = DATA_TABLES.map((t) => `select '${t}' as t, exists (select 1 from "${t}") as present`);
  const rows = await session.query<{ t: string; present: boolean }>(probes.join(" union all "));
  return rows.filter((r) => r.present).map((r) => r.t);
}

/** Empties every application table (not drizzle's migrations table) and restarts their sequences. */
export async function truncateApplicationTables(session: SeedSession): Promise<void> {
  const tables = await session.query<{ name: string }>(
    "select quote_ident(tablename) as name from pg_tables where schemaname = 'public' order by 1",
  );
  if (tables.length === 0) return;
  await session.query(
    `truncate ${tables.map((t) => `public.${t.name}`).join(", ")} restart identity cascade`,
  );
}

/** After inserting explicit ids, moves the serial sequence past them so the API's inserts do not collide. */
export async function syncSequence(session: SeedSession, table: string): Promise<void> {
  await session.query(
    `select setval(pg_get_serial_sequence('${table}', 'id'), coalesce((select max(id) from "${table}"), 0) + 1, false)`,
  );
}

/** The largest id in a table (0 when empty). */
export async function maxId(session: SeedSession, table: string): Promise<number> {
  const rows = await session.query<{ m: number | string }>(
    `select coalesce(max(id), 0) as m from "${table}"`,
  );
  return Number(rows[0]?.m ?? 0);
}

/** Moves a table's id sequence to at least `lastId + 1`. */
export async function reserveIds(session: SeedSession, table: string, lastId: number): Promise<void> {
  await session.query(
    `select setval(pg_get_serial_sequence('${table}', 'id'), greatest(${Math.floor(lastId)}, (select coalesce(max(id), 0) from "${table}")) + 1, false)`,
  );
}
