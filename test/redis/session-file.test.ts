import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { developmentSecret, withDevelopmentSecret } from "../../src/config/dev-secret";
import { loadConfig } from "../../src/config/env";
import { createLogger } from "../../src/lib/logger";
import { createMetricsRegistry } from "../../src/lib/metrics";
import { buildRedisDeps } from "../../src/redis/build";
import { LogCapture } from "../helpers/app";
import { tempDir } from "../helpers/process";

// Development without JWT_SECRET and without Redis: a restart (bun --watch restarts at every save)
// used to log everyone out, since both the signing secret and the sessions lived in the process.

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe("the development secret kept in DATA_DIR", () => {
  test("created once, owner-only, the same for every later process; a loosened file is tightened again", () => {
    const dir = tempDir("secret");
    try {
      const first = developmentSecret(dir);
      expect(first.created).toBe(true);
      expect(first.secret.length).toBeGreaterThanOrEqual(32);
      expect(modeOf(first.file)).toBe(0o600);
      const again = developmentSecret(dir);
      expect(again).toEqual({ ...first, created: false });
      chmodSync(first.file, 0o644);
      expect(developmentSecret(dir).secret).toBe(first.secret);
      expect(modeOf(first.file)).toBe(0o600);
      writeFileSync(first.file, "short\n");
      expect(() => developmentSecret(dir)).toThrow(`${first.file} holds no usable secret`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("used by the API in development without JWT_SECRET only; the warning says where it is", () => {
    const dir = tempDir("secret-config");
    try {
      const dev = withDevelopmentSecret(loadConfig({ NODE_ENV: "development", DATA_DIR: dir }));
      expect(dev.jwtSecret).toBe(readFileSync(join(dir, "jwt-secret"), "utf8").trim());
      expect(dev.warnings.filter((w) => w.startsWith("JWT_SECRET"))).toEqual([
        `JWT_SECRET is not set: using the development secret just created in ${join(dir, "jwt-secret")}, so logins survive restarts (production requires JWT_SECRET)`,
      ]);
      expect(withDevelopmentSecret(loadConfig({ NODE_ENV: "development", DATA_DIR: dir })).jwtSecret).toBe(
        dev.jwtSecret,
      );
      const given = "given-secret-given-secret-given-secret";
      expect(
        withDevelopmentSecret(loadConfig({ NODE_ENV: "development", DATA_DIR: dir, JWT_SECRET: given }))
          .jwtSecret,
      ).toBe(given);
      const other = tempDir("secret-test-env");
      expect(withDevelopmentSecret(loadConfig({ NODE_ENV: "test", DATA_DIR: other })).jwtSecret).not.toBe(
        dev.jwtSecret,
      );
      expect(existsSync(join(other, "jwt-secret"))).toBe(false);
      rmSync(other, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("embedded sessions kept in a file across restarts (development)", () => {
  const config = loadConfig({ NODE_ENV: "development", LOG_LEVEL: "info" });
  function processWith(file: string) {
    const logs = new LogCapture();
    const deps = buildRedisDeps(
      config,
      createLogger({ level: "info", destination: logs }),
      createMetricsRegistry(),
      {
        sessionFile: file,
      },
    );
    return { sessions: deps.sessions, logs };
  }
  const data = {
    role: "admin" as const,
    courtId: null,
    refreshJti: "r1",
    ip: "127.0.0.1",
    userAgent: "test",
  };

  test("a session and its refresh rotation outlive the process; a deleted one does not", async () => {
    const dir = tempDir("sessions");
    const file = join(dir, "sessions.json");
    try {
      const a = processWith(file);
      const kept = await a.sessions.create(7, data, 3600);
      const gone = await a.sessions.create(7, data, 3600);
      const other = await a.sessions.create(8, data, 3600);
      expect(await a.sessions.rotateRefresh(kept.id, "r1", "r2")).toBe("rotated");
      expect(await a.sessions.delete(gone.id)).toBe(true);
      expect(modeOf(file)).toBe(0o600);

      // The next process: same sessions, same refresh token accepted, the per-user index rebuilt.
      const b = processWith(file);
      expect(b.logs.text).toContain("sessions restored from the last run");
      expect((await b.sessions.get(kept.id))?.userId).toBe(7);
      expect(await b.sessions.get(gone.id)).toBeNull();
      expect(await b.sessions.rotateRefresh(kept.id, "r1", "r3")).toBe("mismatch");
      expect(await b.sessions.rotateRefresh(kept.id, "r2", "r3")).toBe("rotated");
      expect((await b.sessions.listForUser(7)).map((s) => s.id)).toEqual([kept.id]);
      expect(await b.sessions.deleteAllForUser(7)).toBe(1);

      const c = processWith(file);
      expect(await c.sessions.get(kept.id)).toBeNull();
      expect((await c.sessions.get(other.id))?.userId).toBe(8);
      expect(await c.sessions.countActive()).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("expired sessions are not restored; an unreadable file is said once and replaced", async () => {
    const dir = tempDir("sessions-bad");
    const file = join(dir, "sessions.json");
    try {
      const a = processWith(file);
      const s = await a.sessions.create(9, data, 3600);
      const saved = JSON.parse(readFileSync(file, "utf8"));
      saved.sessions[0][1].expiresAt = Date.now() - 1000;
      writeFileSync(file, JSON.stringify(saved));
      expect(await processWith(file).sessions.get(s.id)).toBeNull();

      writeFileSync(file, "{ not json");
      const b = processWith(file);
      expect(b.logs.text).toContain("the saved sessions are unreadable: starting with none");
      const fresh = await b.sessions.create(9, data, 3600);
      expect((await processWith(file).sessions.get(fresh.id))?.userId).toBe(9);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
