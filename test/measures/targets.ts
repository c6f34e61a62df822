// The two databases every measure test runs on: the real PostgreSQL test database and an in-memory
// PGlite migrated with the same migrations. Figures must be identical on both.
import { sql } from "drizzle-orm";
import { createPgliteDb, type Database, type DbHandle } from "../../src/db/client";
import { caseActivities, cases, courts, judges, timeStandards } from "../../src/db/schema";
import type { ActivityType, CaseType, CourtLevel, Disposition, Outcome } from "../../src/db/schema/enums";
import { openTestDb, resetDb } from "../helpers/db";
import { migratedPgliteDir } from "../helpers/pglite-template";
import { services } from "../helpers/services";

export interface Target {
  name: "PostgreSQL" | "PGlite";
  available: () => boolean;
  open: () => Promise<DbHandle>;
}

export const TARGETS: Target[] = [
  {
    name: "PostgreSQL",
    available: () => services().postgres,
    async open() {
      const handle = await openTestDb();
      await resetDb(handle.db);
      return handle;
    },
  },
  {
    name: "PGlite",
    available: () => true,
    async open() {
      return createPgliteDb(await migratedPgliteDir("pglite-measures"));
    },
  },
];

export interface FixtureCourt {
  id: number;
  code: string;
  level: CourtLevel;
  parentId: number | null;
}
export interface FixtureJudge {
  id: number;
  code: string;
  name: string;
  courtId: number;
}
export interface FixtureCase {
  id: number;
  courtId: number;
  caseType: CaseType;
  judgeId: number | null;
  disposition: Disposition | null;
  filedOn: string;
}
export interface FixtureActivity {
  caseId: number;
  type: ActivityType;
  occurredOn: string;
  outcome?: Outcome | null;
}
export interface Fixture {
  courts: FixtureCourt[];
  judges: FixtureJudge[];
  cases: FixtureCase[];
  activities: FixtureActivity[];
  standards: { caseType: CaseType; percent: number; days: number }[];
}

/** Writes a fixture with its explicit ids; the measures only read what a real import would write. */
export async function loadFixture(db: Database, fx: Fixture): Promise<void> {
  await db.insert(courts).values(fx.courts.map((c) => ({ ...c, name: `Court ${c.code}` })));
  if (fx.judges.length) await db.insert(judges).values(fx.judges);
  if (fx.standards.length) await db.insert(timeStandards).values(fx.standards);
  const courtOf = new Map(fx.cases.map((c) => [c.id, c.courtId]));
  for (let i = 0; i < fx.cases.length; i += 500) {
    await db.insert(cases).values(
      fx.cases.slice(i, i + 500).map((c) => ({
        ...c,
        caseNumber: `C-${c.id}`,
        status: "active" as const,
      })),
    );
  }
  for (let i = 0; i < fx.activities.length; i += 1000) {
    await db.insert(caseActivities).values(
      fx.activities.slice(i, i + 1000).map((a) => ({
        caseId: a.caseId,
        courtId: courtOf.get(a.caseId)!,
        type: a.type,
        occurredOn: a.occurredOn,
        outcome: a.outcome ?? null,
      })),
    );
  }
  // Explicit ids leave the sequences behind; later inserts in a test must not collide.
  for (const table of ["courts", "judges", "cases"])
    await db.execute(
      sql.raw(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`),
    );
}
