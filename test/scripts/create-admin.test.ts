import { afterAll, beforeAll, expect, test } from "bun:test";
import { migratePostgres } from "../../src/db/migrate";
import { createTestApp, type TestApp } from "../helpers/app";
import { describePg } from "../helpers/guards";
import { createScratchDatabase } from "../helpers/scratch-db";
import { runScript, withClient } from "../helpers/scripts";

// The services-mode quick start ends with `bun run users:create-admin`: the steps must end with a
// working login, through the real script, and a second run must be harmless and say so.

describePg("users:create-admin", () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let t: TestApp;
  beforeAll(async () => {
    scratch = await createScratchDatabase("cf_create_admin");
    await migratePostgres(scratch.url);
    t = await createTestApp({ redis: "memory", env: { DATABASE_URL: scratch.url } });
  });
  afterAll(async () => {
    await t?.close();
    await scratch?.drop();
  });

  const login = (email: string, password: string) =>
    t.app.request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });

  test("creates an admin who can log in; run again, it changes nothing and exits 0", async () => {
    const env = { DATABASE_URL: scratch.url };
    const r = await runScript(
      "create-admin.ts",
      ["--email", "Chief@Court.example", "--name", "Chief Clerk", "--password-stdin"],
      env,
      undefined,
      {
        stdin: "a-long-admin-password\n",
      },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^admin created: Chief@Court\.example \(id \d+\)$/m);
    expect(r.stdout).not.toContain("shown only now");
    const res = await login("chief@court.example", "a-long-admin-password");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { role: string; name: string } }).user).toMatchObject({
      role: "admin",
      name: "Chief Clerk",
    });

    const again = await runScript("create-admin.ts", ["--email", "chief@court.example"], {
      ...env,
      SEED_ADMIN_PASSWORD: "another-password-entirely",
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /chief@court\.example is already an active admin \(id \d+\): nothing changed/,
    );
    expect((await login("chief@court.example", "a-long-admin-password")).status).toBe(200);
    expect((await login("chief@court.example", "another-password-entirely")).status).toBe(401);
  });

  test("without a password one is generated and shown once; it logs in", async () => {
    const r = await runScript("create-admin.ts", [], {
      DATABASE_URL: scratch.url,
      SEED_ADMIN_EMAIL: "ops@court.example",
    });
    expect(r.code).toBe(0);
    const password = /^password \(shown only now\): (\S+)$/m.exec(r.stdout)?.[1];
    expect(password?.length).toBeGreaterThanOrEqual(24);
    expect((await login("ops@court.example", password!)).status).toBe(200);
  });

  test("an existing non-admin, a bad email, a short password: exit codes and messages, nothing written", async () => {
    await withClient(
      scratch.url,
      (sql) =>
        // A viewer belongs to a court (users_scoped_role_court_ck).
        sql`with c as (insert into courts (code, name, level) values ('VC', 'Viewer court', 'trial') returning id)
            insert into users (email, name, password_hash, role, court_id) select 'viewer@court.example', 'V', 'x', 'viewer', id from c`,
    );
    const env = { DATABASE_URL: scratch.url, SEED_ADMIN_PASSWORD: "a-long-admin-password" };
    const viewer = await runScript("create-admin.ts", ["--email", "viewer@court.example"], env);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(
      /viewer@court\.example already exists \(id \d+\) as an active viewer: nothing changed/,
    );

    const bad = await runScript("create-admin.ts", ["--email", "not-an-email"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--email: "not-an-email" is not an email address');

    const short = await runScript("create-admin.ts", ["--email", "x@court.example"], {
      DATABASE_URL: scratch.url,
      SEED_ADMIN_PASSWORD: "short",
    });
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain("SEED_ADMIN_PASSWORD: must be at least 12 characters");
    const users = await withClient(
      scratch.url,
      (sql) => sql`select email, role::text from users order by id`,
    );
    expect(users.map((u) => u.email)).toEqual([
      "Chief@Court.example",
      "ops@court.example",
      "viewer@court.example",
    ]);
  });

  test("refuses a database with pending migrations, naming the command to run", async () => {
    const fresh = await createScratchDatabase("cf_create_admin_empty");
    try {
      const r = await runScript("create-admin.ts", ["--email", "a@court.example"], {
        DATABASE_URL: fresh.url,
        SEED_ADMIN_PASSWORD: "a-long-admin-password",
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/has \d+ pending migration\(s\): run `bun run migrate:dev` first/);
    } finally {
      await fresh.drop();
    }
  });
});
