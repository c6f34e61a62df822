import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { DatabaseLockedError, lockFileOf, lockPgliteDir } from "../../src/db/pglite-lock";
import { migratedPgliteDir } from "../helpers/pglite-template";
import { childEnv, freePort, outputOf, ROOT, tempDir } from "../helpers/process";
import { runScript } from "../helpers/scripts";

// A PGlite directory opened by two processes loses writes (both API processes answered 201 with the
// same court id, and one court was gone after a restart). Every opener takes the directory's lock.

/** The pid of a process that has exited: a lock naming it is stale. */
async function deadPid(): Promise<number> {
  const p = Bun.spawn(["true"]);
  await p.exited;
  return p.pid;
}

function plantLock(dir: string, pid: number, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    lockFileOf(dir),
    JSON.stringify({
      pid,
      host: hostname(),
      command: "bun src/index.ts",
      startedAt: "",
      token: "planted",
      ...extra,
    }),
  );
}

/** Resolves with the exit code, or null if the process is still running after `ms` (then killed). */
async function exitWithin(proc: Subprocess, ms: number) {
  const code = await Promise.race([proc.exited, Bun.sleep(ms).then(() => null)]);
  if (code === null) proc.kill("SIGKILL");
  return code;
}

describe("one process per embedded database directory", () => {
  test("a second `bun src/index.ts`, db:migrate, db:studio, migrate:dev and db:seed:dev on a directory in use exit 1 with one line naming the holder", async () => {
    const dir = await migratedPgliteDir("lock-api");
    const env = (port: number) =>
      childEnv({ PORT: String(port), PGLITE_DIR: dir, NODE_ENV: "development", LOG_LEVEL: "warn" });
    const first = Bun.spawn(["bun", "src/index.ts"], {
      cwd: ROOT,
      env: env(freePort()),
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      // The lock is taken before PGlite opens: wait for it rather than for the (slow) first start.
      const until = Date.now() + 60_000;
      while (!existsSync(lockFileOf(dir)) && Date.now() < until && first.exitCode === null)
        await Bun.sleep(50);
      if (!existsSync(lockFileOf(dir)))
        throw new Error(`the first process took no lock\n${await outputOf(first)}`);
      expect(JSON.parse(readFileSync(lockFileOf(dir), "utf8")).pid).toBe(first.pid);
      const named = `the embedded database ${dir} is in use by process ${first.pid} (bun src/index.ts)`;

      const second = Bun.spawn(["bun", "src/index.ts"], {
        cwd: ROOT,
        env: env(freePort()),
        stdout: "pipe",
        stderr: "pipe",
      });
      const code = await exitWithin(second, 60_000);
      const stderr = await new Response(second.stderr).text();
      expect({ code, stderr }).toEqual({
        code: 1,
        stderr: `courtflow: ${named}: stop it first, or give this process another PGLITE_DIR\n`,
      });

      const migrate = Bun.spawn(["bun", "scripts/db-migrate.ts"], {
        cwd: ROOT,
        env: childEnv({ PGLITE_DIR: dir, LOG_LEVEL: "silent" }),
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await exitWithin(migrate, 60_000)).toBe(1);
      expect(await new Response(migrate.stderr).text()).toContain(named);

      const studio = Bun.spawn(["bun", "scripts/db-studio.ts"], {
        cwd: ROOT,
        env: childEnv({ PGLITE_DIR: dir }),
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await exitWithin(studio, 60_000)).toBe(1);
      expect(await new Response(studio.stderr).text()).toBe(
        `courtflow: ${named}: stop it first, or give this process another PGLITE_DIR\n`,
      );

      for (const [script, args] of [
        ["migrate.ts", ["dev"]],
        ["seed.ts", ["dev", "--cases", "10"]],
      ] as const) {
        const r = await runScript(script, [...args], { PGLITE_DIR: dir });
        expect({ script, code: r.code }).toEqual({ script, code: 1 });
        expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining(named)]);
      }

      // The holder dies without releasing (SIGKILL): its lock is stale and the next opener takes it.
      first.kill("SIGKILL");
      await first.exited;
      expect(JSON.parse(readFileSync(lockFileOf(dir), "utf8")).pid).toBe(first.pid);
      const next = Bun.spawn(["bun", "test/fixtures/hold-pglite-lock.ts", dir], {
        cwd: ROOT,
        stdin: "pipe",
        stdout: "pipe",
      });
      const line = (await next.stdout.getReader().read()).value;
      expect(new TextDecoder().decode(line)).toBe(`won ${next.pid}\n`);
      next.stdin.end();
      expect(await next.exited).toBe(0);
      expect(existsSync(lockFileOf(dir))).toBe(false);
    } finally {
      first.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test("of four processes racing for a stale lock, exactly one wins and the others name it", async () => {
    const dir = tempDir("lock-race");
    plantLock(dir, await deadPid());
    const procs = Array.from({ length: 4 }, () =>
      Bun.spawn(["bun", "test/fixtures/hold-pglite-lock.ts", dir], {
        cwd: ROOT,
        stdin: "pipe",
        stdout: "pipe",
      }),
    );
    try {
      // Each holds what it got until its stdin closes, so a late starter cannot win after a release.
      const lines = await Promise.all(
        procs.map(async (p) => new TextDecoder().decode((await p.stdout.getReader().read()).value).trim()),
      );
      const winners = lines.filter((l) => l.startsWith("won "));
      expect(winners).toHaveLength(1);
      const winner = Number(winners[0]!.slice(4));
      expect(lines.filter((l) => l === `locked ${winner}`)).toHaveLength(3);
      expect(JSON.parse(readFileSync(lockFileOf(dir), "utf8")).pid).toBe(winner);
    } finally {
      for (const p of procs) p.stdin.end();
      await Promise.all(procs.map((p) => p.exited));
      rmSync(dir, { recursive: true, force: true });
    }
    expect(procs.map((p) => p.exitCode)).toEqual([0, 0, 0, 0]);
  }, 60_000);

  test("in one process: a second open is refused until the first releases; a live holder is named, a reused pid is not", async () => {
    const dir = tempDir("lock-unit");
    try {
      const lock = lockPgliteDir(dir);
      expect(() => lockPgliteDir(dir)).toThrow(DatabaseLockedError);
      lock.release();
      expect(existsSync(lockFileOf(dir))).toBe(false);
      lockPgliteDir(dir).release();

      // A live process of this host holds it (our parent, the test runner's shell or init).
      const live = Bun.spawn(["sleep", "30"]);
      try {
        // Until its exec completes, the child still shows the parent's command line.
        const cmdline = () => readFileSync(`/proc/${live.pid}/cmdline`, "utf8");
        for (let i = 0; i < 100 && !cmdline().startsWith("sleep"); i++) await Bun.sleep(20);
        plantLock(dir, live.pid);
        let caught: unknown;
        try {
          lockPgliteDir(dir);
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(DatabaseLockedError);
        expect((caught as Error).message).toBe(
          `the embedded database ${dir} is in use by process ${live.pid} (sleep 30): stop it first, or give this process another PGLITE_DIR`,
        );
        // The same pid, but a process started at another time: the pid was reused, the lock is stale.
        plantLock(dir, live.pid, { procStart: 1 });
        const taken = lockPgliteDir(dir);
        expect(JSON.parse(readFileSync(lockFileOf(dir), "utf8")).pid).toBe(process.pid);
        taken.release();
      } finally {
        live.kill();
      }
      // Another host's lock cannot be checked: refused, with the file to delete if that host is gone.
      plantLock(dir, 1, { host: "elsewhere" });
      expect(() => lockPgliteDir(dir)).toThrow(
        `on host elsewhere: stop it first, or give this process another PGLITE_DIR (if that host is gone, delete ${join(dir, "courtflow.lock")})`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
