import { afterAll, beforeAll, expect, test } from "bun:test";
import { migratePostgres } from "../../src/db/migrate";
import { timeStandardRows } from "../../src/db/reference/time-standards";
import { DEV_USERS } from "../../src/db/seed/users";
import { describePg } from "../helpers/guards";
import { createScratchDatabase } from "../helpers/scratch-db";
import { runScript, withClient } from "../helpers/scripts";

// These tests start real processes and databases: a busy machine needs more than the default 5 s.
const SLOW = 60_000;

// scripts/seed.ts as operators run it: real processes into scratch PostgreSQL databases.

type Scratch = Awaited<ReturnType<typeof createScratchDatabase>>;
const AS_OF = "2026-06-30";
const SEED_ARGS = ["--cases", "500", "--seed", "7", "--as-of", AS_OF];

const checksums = (url: string) =>
  withClient(url, async (sql) => {
    const [r] = await sql`
      select
        (select md5(string_agg((id, court_id, case_number, case_type, filed_on, status, status_on, judge_id,
                                disposed_on, disposition)::text, ',' order by id)) from cases) as cases,
        (select md5(string_agg((id, case_id, court_id, source_id, type, occurred_on, outcome, judge_id, notes)::text,
                               ',' order by id)) from case_activities) as activities,
        (select md5(string_agg((id, code, name, level, parent_id)::text, ',' order by id)) from courts) as courts,
        (select md5(string_agg((id, code, name, court_id, active)::text, ',' order by id)) from judges) as judges`;
    return r!;
  });

/** One number from a query (count(*), …). */
const scalar = async (url: string, query: string): Promise<number> =>
  withClient(url, async (sql) => Number((await sql.unsafe(query))[0]!.n));

const catalog = (url: string) =>
  withClient(url, async (sql) => ({
    indexes: (await sql`select indexdef from pg_indexes where schemaname = 'public' order by indexname`).map(
      (r) => r.indexdef as string,
    ),
    constraints: (
      await sql`select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated as d
                  from pg_constraint where connamespace = 'public'::regnamespace order by 1`
    ).map((r) => r.d as string),
  }));

describePg("scripts/seed.ts", () => {
  let a: Scratch;
  let b: Scratch;
  let blank: Scratch;
  beforeAll(async () => {
    [a, b, blank] = await Promise.all([
      createScratchDatabase("cf_seed_a"),
      createScratchDatabase("cf_seed_b"),
      createScratchDatabase("cf_seed_blank"),
    ]);
    await Promise.all([migratePostgres(a.url), migratePostgres(b.url), migratePostgres(blank.url)]);
  }, SLOW);
  afterAll(async () => {
    await Promise.all([a, b, blank].filter(Boolean).map((s) => s.drop()));
  }, SLOW);

  test(
    "seed:dev is deterministic: the same seed into two databases gives identical tables",
    async () => {
      const [ra, rb] = await Promise.all([
        runScript("seed.ts", ["dev", ...SEED_ARGS], { DATABASE_URL: a.url }),
        runScript("seed.ts", ["dev", ...SEED_ARGS], { DATABASE_URL: b.url }),
      ]);
      expect(ra.code).toBe(0);
      expect(rb.code).toBe(0);
      expect(ra.stdout).toContain("cases        500");
      // The progress bar goes to stderr; the development logins are printed at the end.
      expect(ra.stderr).toContain("100% 500/500");
      for (const u of DEV_USERS) expect(ra.stdout).toContain(`${u.email.padEnd(28)} ${u.password}`);
      const [ca, cb] = await Promise.all([checksums(a.url), checksums(b.url)]);
      expect(ca.cases).toHaveLength(32);
      expect(ca).toEqual(cb);
    },
    SLOW,
  );

  test(
    "the seeded data follows the measure rules of docs/measures.md",
    async () => {
      const count = (q: string) => scalar(a.url, `select count(*)::int as n from (${q}) x`);
      const STATUS = "('filed','reopened','reactivated','placed_inactive','disposed')";
      // Exactly one `filed` event per case, on filed_on.
      expect(
        await count(`select c.id from cases c
        where (select count(*) from case_activities e where e.case_id = c.id and e.type = 'filed') <> 1
           or not exists (select 1 from case_activities e where e.case_id = c.id and e.type = 'filed' and e.occurred_on = c.filed_on)`),
      ).toBe(0);
      // Disposed cases have their disposed event on disposed_on; only they carry a disposition.
      expect(
        await count(`select c.id from cases c where c.status = 'disposed' and not exists
        (select 1 from case_activities e where e.case_id = c.id and e.type = 'disposed' and e.occurred_on = c.disposed_on)`),
      ).toBe(0);
      expect(
        await count(
          "select id from cases where (status = 'disposed') <> (disposed_on is not null and disposition is not null)",
        ),
      ).toBe(0);
      // cases.status and status_on are the state after the latest status event.
      expect(
        await count(`select c.id from cases c join (
          select distinct on (case_id) case_id, type, occurred_on from case_activities where type in ${STATUS}
          order by case_id, occurred_on desc,
            case type when 'disposed' then 5 when 'placed_inactive' then 4 when 'reactivated' then 3 when 'reopened' then 2 else 1 end desc
        ) l on l.case_id = c.id
        where c.status::text <> case l.type when 'disposed' then 'disposed' when 'placed_inactive' then 'inactive' else 'active' end
           or c.status_on <> l.occurred_on`),
      ).toBe(0);
      // Every inactive period ends in a reactivation, unless the case is still inactive.
      expect(
        await count(`select c.id from cases c where c.status <> 'inactive' and
        (select count(*) from case_activities e where e.case_id = c.id and e.type = 'placed_inactive') <>
        (select count(*) from case_activities e where e.case_id = c.id and e.type = 'reactivated')`),
      ).toBe(0);
      // A reopening follows a disposition.
      expect(
        await count(`select r.id from case_activities r where r.type = 'reopened' and not exists
        (select 1 from case_activities d where d.case_id = r.case_id and d.type = 'disposed' and d.occurred_on < r.occurred_on)`),
      ).toBe(0);
      // Nothing but scheduled (outcome-less) court events lies after the data's today.
      expect(
        await count(
          `select id from case_activities where occurred_on > '${AS_OF}' and (type in ${STATUS} or outcome is not null)`,
        ),
      ).toBe(0);
      // Cases are filed in trial and limited courts, with judges assigned there on the filing date.
      expect(
        await count(
          `select c.id from cases c join courts k on k.id = c.court_id where k.level not in ('trial', 'limited')`,
        ),
      ).toBe(0);
      expect(
        await count(`select c.id from cases c where c.judge_id is not null and not exists (
        select 1 from judge_assignments j where j.judge_id = c.judge_id and j.court_id = c.court_id
           and j.starts_on <= c.filed_on and (j.ends_on is null or j.ends_on >= c.filed_on))`),
      ).toBe(0);
    },
    SLOW,
  );

  test(
    "the seeded data covers every vocabulary, the hierarchy, and cases over the time standards",
    async () => {
      const distinct = (q: string) => scalar(a.url, `select count(distinct v)::int as n from (${q}) x(v)`);
      expect(await distinct("select case_type from cases")).toBe(11);
      expect(await distinct("select disposition from cases where disposition is not null")).toBe(8);
      expect(await distinct("select status from cases")).toBe(3);
      expect(await distinct("select type from case_activities")).toBe(12);
      expect(await distinct("select outcome from case_activities where outcome is not null")).toBe(4);
      const levels = await withClient(
        a.url,
        (sql) => sql`select level, count(*)::int as n from courts group by 1 order by 1`,
      );
      expect(levels.map((r) => [r.level, r.n])).toEqual([
        ["supreme", 1],
        ["appellate", 3],
        ["trial", 12],
        ["limited", 24],
      ]);
      // Trial date certainty has something to measure: tried on the first setting, and after continuances.
      const settings = await withClient(
        a.url,
        (sql) => sql`
        select count(*) filter (where n = 1)::int as first, count(*) filter (where n > 1)::int as later from (
          select c.id, (select count(*) from case_activities e where e.case_id = c.id and e.type = 'trial_setting' and e.occurred_on <= c.disposed_on) as n
            from cases c where c.disposition in ('jury_trial', 'bench_trial')) x`,
      );
      expect(settings[0]!.first).toBeGreaterThan(0);
      expect(settings[0]!.later).toBeGreaterThan(0);
      // Durations are drawn around the standards: most dispositions within the largest tier, some over.
      const over = await withClient(
        a.url,
        (sql) => sql`
        select avg((c.disposed_on - c.filed_on > t.days)::int)::float as share from cases c
          join (select case_type, max(days) as days from time_standards group by 1) t on t.case_type = c.case_type
         where c.status = 'disposed'`,
      );
      expect(over[0]!.share).toBeGreaterThan(0.01);
      expect(over[0]!.share).toBeLessThan(0.35);
      const perCase = await scalar(
        a.url,
        "select (select count(*) from case_activities)::float / count(*) as n from cases",
      );
      expect(perCase).toBeGreaterThan(3.5);
      expect(perCase).toBeLessThan(7);
    },
    SLOW,
  );

  test(
    "users, reference data, sequences and the rebuilt indexes and constraints are as a fresh database's",
    async () => {
      const users = await withClient(
        a.url,
        (sql) =>
          sql`select u.email, u.role, u.password_hash, c.code from users u left join courts c on c.id = u.court_id order by u.id`,
      );
      expect(users.map((u) => [u.email, u.role, u.code])).toEqual(
        DEV_USERS.map((u) => [u.email, u.role, u.courtCode]),
      );
      for (const [i, u] of DEV_USERS.entries()) {
        expect(users[i]!.password_hash).toStartWith("$argon2id$");
        expect(await Bun.password.verify(u.password, users[i]!.password_hash)).toBe(true);
      }
      const standards = await withClient(
        a.url,
        (sql) => sql`select case_type, percent, days from time_standards`,
      );
      expect(standards.map((r) => `${r.case_type} ${r.percent} ${r.days}`).sort()).toEqual(
        timeStandardRows()
          .map((r) => `${r.caseType} ${r.percent} ${r.days}`)
          .sort(),
      );
      // New rows from the API get ids after the seeded ones.
      for (const table of ["cases", "case_activities", "courts", "judges", "users"]) {
        const next = await scalar(
          a.url,
          `select nextval(pg_get_serial_sequence('${table}', 'id')) - max(id) as n from ${table}`,
        );
        expect(next).toBeGreaterThan(0);
      }
      // The bulk load dropped and rebuilt indexes and foreign keys: they must be exactly the migrated ones.
      expect(await catalog(a.url)).toEqual(await catalog(blank.url));
    },
    SLOW,
  );

  test(
    "seed:staging refuses a database holding data unless --force, which replaces it",
    async () => {
      const refused = await runScript("seed.ts", ["staging", "--cases", "200"], { DATABASE_URL: a.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("already holds data");
      expect(refused.stderr).toContain("--force");
      expect(await scalar(a.url, "select count(*)::int as n from cases")).toBe(500);

      const forced = await runScript("seed.ts", ["staging", "--cases", "200", "--force"], {
        DATABASE_URL: a.url,
      });
      expect(forced.code).toBe(0);
      expect(await scalar(a.url, "select count(*)::int as n from cases")).toBe(200);
      expect(await scalar(a.url, "select min(id)::int as n from cases")).toBe(1);
      // Staging logins get random passwords, never the public development ones.
      expect(forced.stdout).toContain("random passwords");
      for (const u of DEV_USERS) expect(forced.stdout).not.toContain(u.password);
    },
    SLOW,
  );

  test(
    "seed:prod writes reference data and one admin; a second run changes nothing",
    async () => {
      const env = {
        DATABASE_URL: blank.url,
        SEED_ADMIN_EMAIL: "Ops@Example.org",
        SEED_ADMIN_PASSWORD: "a-long-prod-password",
      };
      const snapshot = () =>
        withClient(blank.url, async (sql) => ({
          standards: await sql`select * from time_standards order by case_type, percent`,
          users: await sql`select * from users order by id`,
        }));
      const first = await runScript("seed.ts", ["prod"], env);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("30 tier(s) inserted");
      expect(first.stdout).toContain("admin: created Ops@Example.org");
      expect(first.stdout).not.toContain(env.SEED_ADMIN_PASSWORD);
      const afterFirst = await snapshot();
      expect(afterFirst.standards).toHaveLength(30);
      expect(afterFirst.users).toHaveLength(1);
      expect(afterFirst.users[0]!.role).toBe("admin");
      expect(await Bun.password.verify(env.SEED_ADMIN_PASSWORD, afterFirst.users[0]!.password_hash)).toBe(
        true,
      );

      // Same email in another case, another password: still the same user, untouched.
      const second = await runScript("seed.ts", ["prod"], {
        ...env,
        SEED_ADMIN_EMAIL: "ops@example.org",
        SEED_ADMIN_PASSWORD: "another-long-password",
      });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("0 tier(s) inserted");
      expect(second.stdout).toContain("already exists, left unchanged");
      expect(await snapshot()).toEqual(afterFirst);
    },
    SLOW,
  );

  test(
    "seed:prod requires the admin's email and a password of at least 12 characters",
    async () => {
      const missing = await runScript("seed.ts", ["prod"], {
        DATABASE_URL: blank.url,
        SEED_ADMIN_EMAIL: "",
        SEED_ADMIN_PASSWORD: "",
      });
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("SEED_ADMIN_EMAIL and SEED_ADMIN_PASSWORD are required");
      const short = await runScript("seed.ts", ["prod"], {
        DATABASE_URL: blank.url,
        SEED_ADMIN_EMAIL: "ops@example.org",
        SEED_ADMIN_PASSWORD: "too-short",
      });
      expect(short.code).toBe(1);
      expect(short.stderr).toContain("SEED_ADMIN_PASSWORD: must be at least 12 characters");
    },
    SLOW,
  );

  test(
    "a seed refuses a database with pending migrations",
    async () => {
      const fresh = await createScratchDatabase("cf_seed_unmigrated");
      try {
        const r = await runScript("seed.ts", ["dev", "--cases", "10"], { DATABASE_URL: fresh.url });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("pending migration(s): run `bun run migrate:dev` first");
      } finally {
        await fresh.drop();
      }
    },
    SLOW,
  );
});
