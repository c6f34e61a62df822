import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { MIGRATIONS_FOLDER, migratePostgres } from "../../src/db/migrate";
import { describePg } from "../helpers/guards";
import { createScratchDatabase } from "../helpers/scratch-db";

const TAG = /_users_scoped_role_court$/;

/**
 * The migration that makes scoped roles need a court, run over rows written before it: active
 * court_admin and viewer users without a court are deactivated (and audited), then the constraint holds.
 */
describePg("migration: scoped roles need a court", () => {
  let scratch: { url: string; drop(): Promise<void> };
  let before: string;
  beforeAll(async () => {
    scratch = await createScratchDatabase("cf_scope_mig");
    // The migrations up to (not including) this one, as a deployment before it had them.
    before = mkdtempSync(join(tmpdir(), "cf-mig-"));
    cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
    const journalPath = join(before, "meta/_journal.json");
    const journal = JSON.parse(readFileSync(journalPath, "utf8"));
    const at = journal.entries.findIndex((e: { tag: string }) => TAG.test(e.tag));
    expect(at).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, at);
    writeFileSync(journalPath, JSON.stringify(journal));
  });
  afterAll(async () => {
    rmSync(before, { recursive: true, force: true });
    await scratch.drop();
  });

  test("legacy rows are deactivated and audited; the rest are untouched; then the database refuses new ones", async () => {
    await migratePostgres(scratch.url, { folder: before });
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      const [court] =
        await sql`insert into courts (code, name, level) values ('C1', 'C1', 'trial') returning id`;
      const add = (email: string, role: string, courtId: number | null, active = true) =>
        sql`insert into users (email, name, password_hash, role, court_id, active)
            values (${email}, ${email}, 'x', ${role}, ${courtId}, ${active})`;
      await add("legacy-ca@x.org", "court_admin", null);
      await add("legacy-viewer@x.org", "viewer", null);
      await add("old-inactive@x.org", "viewer", null, false);
      await add("scoped@x.org", "viewer", court!.id);
      await add("analyst@x.org", "analyst", null);
      await add("admin@x.org", "admin", null);

      const applied = await migratePostgres(scratch.url);
      expect(applied.applied.some((tag) => TAG.test(tag))).toBe(true);

      const rows = await sql`select email, active from users order by email`;
      expect(Object.fromEntries(rows.map((r) => [r.email, r.active]))).toEqual({
        "admin@x.org": true,
        "analyst@x.org": true,
        "legacy-ca@x.org": false,
        "legacy-viewer@x.org": false,
        "old-inactive@x.org": false,
        "scoped@x.org": true,
      });
      const audit =
        await sql`select a.action, u.email from audit_log a join users u on u.id::text = a.entity_id
        order by u.email`;
      expect(audit.map((r) => [r.action, r.email])).toEqual([
        ["user.deactivated_without_court", "legacy-ca@x.org"],
        ["user.deactivated_without_court", "legacy-viewer@x.org"],
      ]);
      const refused = await add("new@x.org", "viewer", null).then(
        () => null,
        (e) => e,
      );
      expect(refused?.constraint_name).toBe("users_scoped_role_court_ck");
      // Reactivating a legacy row needs a court in the same write.
      await expect(sql`update users set active = true where email = 'legacy-ca@x.org'`).rejects.toThrow();
      await sql`update users set active = true, court_id = ${court!.id} where email = 'legacy-ca@x.org'`;
    } finally {
      await sql.end();
    }
  });
});
