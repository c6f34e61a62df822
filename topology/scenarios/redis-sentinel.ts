import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import Redis from "ioredis";
import { authRead, publicRead, type ReadTargets, readTargets } from "../../chaos/lib/calls";
import { addBenchReferenceData, type Batch, uploadImport, waitForBatch } from "../../chaos/lib/imports";
import { type Call, type Outcome, startLoad } from "../../chaos/lib/load";
import type { PrivatePostgres } from "../../chaos/lib/private-postgres";
import { type ChaosProcess, crashLines, startApi, startWorker } from "../../chaos/lib/processes";
import { type Check, recorded, recordScenario } from "../../chaos/lib/summary";
import { msUntil, waitUntil } from "../../chaos/lib/wait";
import { ADMIN, createDatabase, login, VIEWER } from "../../chaos/lib/world";
import { writeBenchFiles } from "../../scripts/lib/import-bench-data";
import { tempDir } from "../../test/helpers/process";
import { call, scalar } from "../lib/probe";
import { SENTINEL_MASTER, type SentinelGroup, startSentinelGroup } from "../lib/redis-sentinel";

// Scenario 3: Redis Sentinel — one primary, one replica, three sentinels (quorum 2). The API and the
// worker connect through the sentinels (REDIS_SENTINELS). The primary is SIGKILLed under load while
// imports are uploaded every second: authenticated requests answer 503 AUTH_UNAVAILABLE only while
// there is no primary (a revoked token never gets a 200), then sessions, rate limits, the cache and
// BullMQ carry on against the promoted replica without a restart, and every uploaded batch completes.

const LOGIN_LIMIT = 40;
const IMPORT_CASES = 30;

export function redisSentinelScenario(): void {
  describe("3. Redis Sentinel: primary killed under load", () => {
    let pg: PrivatePostgres;
    let databaseUrl: string;
    let group: SentinelGroup;
    let api: ChaosProcess;
    let worker: ChaosProcess;
    let targets: ReadTargets;
    let tokens: string[];
    let revoked: string;
    let dir = "";

    beforeAll(async () => {
      dir = tempDir("topology-sentinel");
      ({ pg, databaseUrl } = await createDatabase({ cases: 800 }));
      await addBenchReferenceData(databaseUrl);
      targets = await readTargets(databaseUrl);
      group = await startSentinelGroup();
      const env = {
        databaseUrl,
        // With REDIS_SENTINELS the URL supplies only the database (and credentials, TLS); its host is unused.
        redisUrl: "redis://sentinel-managed/0",
        extra: {
          REDIS_SENTINELS: group.sentinels.map((s) => `${s.host}:${s.port}`).join(","),
          REDIS_SENTINEL_NAME: SENTINEL_MASTER,
          REDIS_COMMAND_TIMEOUT_MS: "1000",
          LOGIN_RATE_LIMIT_PER_MIN: String(LOGIN_LIMIT),
          WORKER_LOCK_DURATION_MS: "5000",
        },
      };
      api = await startApi(env);
      worker = await startWorker(env);
      tokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
      revoked = await login(api.base, VIEWER);
      const out = await call(api.base, "/api/auth/logout", { token: revoked, method: "POST" });
      if (out.status !== 204 && out.status !== 200) throw new Error(`logout: ${out.status}`);
      // Sessions reach the replica asynchronously: let the last ones arrive before the kill.
      await waitUntil("replica has the sessions", 10_000, async () => {
        const r = new Redis({ port: group.replica.port, lazyConnect: true });
        try {
          await r.connect();
          return (await r.dbsize()) > 0 && (await r.info("replication")).includes("master_link_status:up");
        } finally {
          r.disconnect();
        }
      });
    });

    afterAll(async () => {
      for (const [name, p] of [
        ["api", api],
        ["worker", worker],
      ] as const)
        if (p && !p.alive()) console.log(`${name} exited ${p.proc.exitCode}:\n${p.output().slice(-3000)}`);
      await worker?.stop("SIGKILL");
      await api?.stop();
      await group?.stop();
      await pg?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(
      "503 AUTH_UNAVAILABLE only while there is no primary; sessions, rate limits, cache and BullMQ carry on; no import lost",
      recorded(
        "3 Redis Sentinel failover",
        async () => {
          const t0 = performance.now();
          const next = (i: number): Call =>
            i % 10 === 9
              ? {
                  label: "revoked token",
                  path: "/api/auth/me",
                  init: { headers: { authorization: `Bearer ${revoked}` } },
                }
              : i % 4 === 3
                ? publicRead(i)
                : authRead(i, targets, tokens);
          const load = startLoad({
            base: api.base,
            concurrency: 5,
            maxRequests: 50_000,
            maxMs: 22_000,
            timeoutMs: 15_000,
            next,
          });
          // Imports uploaded throughout: before, during and after the failover.
          const uploads: { at: number; status: number; id: number | null }[] = [];
          let uploading = true;
          const uploader = (async () => {
            for (let n = 0; uploading; n++) {
              const sub = tempDir(`sentinel-import-${n}`);
              const files = await writeBenchFiles(sub, {
                cases: IMPORT_CASES,
                activitiesPerCase: 2,
                seed: 100 + n,
                numberPrefix: `SN${n}`,
              });
              const at = load.now();
              const r = await uploadImport(api.base, tokens[0]!, files, `sentinel-${n}`).catch(() => ({
                status: 0,
                id: null,
              }));
              uploads.push({ at, status: r.status, id: r.id });
              rmSync(sub, { recursive: true, force: true });
              await Bun.sleep(1000);
            }
          })();

          await Bun.sleep(4000);
          const oldMaster = await group.masterPort();
          const killedAt = load.now();
          await group.primary.kill();
          const switchMs = await msUntil(async () => (await group.masterPort()) !== oldMaster, 30_000, 100);
          const switchedAt = killedAt + (switchMs ?? 0);
          const outcomes = await load.done;
          uploading = false;
          await uploader;

          // The window: from the kill to the last AUTH_UNAVAILABLE.
          const authDown = (o: Outcome) => o.status === 503 && o.code === "AUTH_UNAVAILABLE";
          const downs = outcomes.filter(authDown);
          const lastDown = downs.reduce((m, o) => Math.max(m, o.sentAt + o.ms), killedAt);
          const firstDown = downs.reduce((m, o) => Math.min(m, o.sentAt), Number.POSITIVE_INFINITY);
          const revokedOk = outcomes.filter((o) => o.label === "revoked token" && o.status === 200);
          // Public reads: 200 throughout (health is 200 "degraded" while Redis is away).
          const unexpected = outcomes.filter((o) => {
            if (o.label === "revoked token") return !(o.status === 401 || authDown(o));
            if (o.sentAt + o.ms < killedAt || o.sentAt > lastDown) return o.status !== 200;
            return !(o.status === 200 || authDown(o));
          });

          // After the failover: old sessions, a new login, the revoked one, rate limits, cache, queues.
          const me = await Promise.all(tokens.map((t) => call(api.base, "/api/auth/me", { token: t })));
          const newLogin = await call(api.base, "/api/auth/login", { method: "POST", body: ADMIN });
          const revokedAfter = await call(api.base, "/api/auth/me", { token: revoked });
          let limitedAt = 0;
          for (let i = 1; i <= LOGIN_LIMIT + 1 && !limitedAt; i++) {
            const r = await call(api.base, "/api/auth/login", {
              method: "POST",
              body: { email: "nobody@courtflow.dev", password: "wrong-password-123" },
            });
            if (r.status === 429) limitedAt = i;
          }
          const newMaster = new Redis({ port: await group.masterPort(), lazyConnect: true });
          await newMaster.connect();
          await call(api.base, "/api/courts", { token: tokens[0] });
          await call(api.base, "/api/courts", { token: tokens[0] });
          const cacheKeys = (await newMaster.scan("0", "MATCH", "cf:cache:*", "COUNT", 1000))[1].length;
          const limitKey = await newMaster.get("cf:rl:login:email:nobody@courtflow.dev");
          newMaster.disconnect();

          const accepted = uploads.filter((u) => u.status === 202 && u.id !== null);
          const batches: Batch[] = [];
          for (const u of accepted) batches.push(await waitForBatch(api.base, tokens[0]!, u.id!, 120_000));
          const rowsIn = await scalar(databaseUrl, "select count(*) from cases where case_number like 'SN%'");

          const checks: Check[] = [
            {
              name: "Sentinel promoted the replica",
              ok: switchMs !== null,
              detail: `master ${oldMaster} → ${await group.masterPort()} ${((switchMs ?? 0) / 1000).toFixed(1)} s after the kill`,
            },
            {
              name: "authenticated requests: 503 AUTH_UNAVAILABLE only inside the window, 200 before and after",
              ok: unexpected.length === 0 && downs.every((o) => o.sentAt + o.ms >= killedAt),
              detail: downs.length
                ? `${downs.length} answers 503 from +${(Math.max(0, firstDown - killedAt) / 1000).toFixed(1)} s to +${((lastDown - killedAt) / 1000).toFixed(1)} s after the kill`
                : "no 503 at all",
            },
            {
              name: "a revoked token never got a 200 (401, or 503 while the store was away)",
              ok: revokedOk.length === 0 && revokedAfter.status === 401,
              detail: `${outcomes.filter((o) => o.label === "revoked token").length} tries`,
            },
            {
              name: "sessions from before the failover still valid; a new login works",
              ok: me.every((r) => r.status === 200) && newLogin.status === 200,
              detail: `me: ${me.map((r) => r.status).join(", ")}; login ${newLogin.status}`,
            },
            {
              name: `login rate limit holds on the new primary (429 within ${LOGIN_LIMIT + 1} tries)`,
              ok: limitedAt > 0 && Number(limitKey) > 0,
              detail: `429 at try ${limitedAt}; counter ${limitKey}`,
            },
            {
              name: "cache written to the new primary",
              ok: cacheKeys > 0,
              detail: `${cacheKeys} cf:cache:* keys`,
            },
            {
              name: "every accepted upload completed (none lost by BullMQ), its rows all there",
              ok:
                accepted.length >= 10 &&
                batches.every((b) => b.status === "completed") &&
                rowsIn === accepted.length * IMPORT_CASES,
              detail: `${accepted.length} accepted of ${uploads.length} (others: ${uploads
                .filter((u) => u.status !== 202)
                .map((u) => u.status)
                .join(
                  ", ",
                )}); ${batches.filter((b) => b.status === "completed").length} completed; ${rowsIn} cases`,
            },
            {
              name: "API and worker alive without a restart, no crash output",
              ok:
                api.alive() &&
                worker.alive() &&
                crashLines(api.output()).length === 0 &&
                crashLines(worker.output()).length === 0,
            },
          ];
          if (unexpected.length)
            for (const o of unexpected.slice(0, 8))
              console.log(
                "unexpected",
                o.label,
                o.path,
                o.status,
                o.code,
                `+${Math.round(o.sentAt - killedAt)} ms`,
              );
          recordScenario(
            "3 Redis Sentinel failover",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: downs.length ? (lastDown - killedAt) / 1000 : 0,
              figures: {
                "sentinel switch": `${((switchedAt - killedAt) / 1000).toFixed(1)} s after the kill`,
                "auth window (kill → last 503)": `${((lastDown - killedAt) / 1000).toFixed(1)} s`,
                uploads: `${accepted.length} accepted, ${batches.length} completed`,
              },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api, worker }),
      ),
    );

    test(
      "a hung primary (SIGSTOP): clients follow the sentinels' switch without waiting for its socket",
      recorded(
        "3b Redis Sentinel, hung primary",
        async () => {
          const t0 = performance.now();
          // The killed primary comes back empty; the sentinels make it a replica of the new primary.
          await group.primary.start();
          await waitUntil("the old primary resynced as a replica", 30_000, async () => {
            const r = new Redis({ port: group.primary.port, lazyConnect: true });
            try {
              await r.connect();
              return (await r.info("replication")).includes("master_link_status:up");
            } finally {
              r.disconnect();
            }
          });
          // The first test ran this client address's login counter up to LOGIN_LIMIT (cf:rl:login:ip:…)
          // less than a minute ago: start from zero, or the late login below is a 429, not a failover fact.
          const master = new Redis({ port: await group.masterPort(), lazyConnect: true });
          try {
            await master.connect();
            const limits = await master.keys("cf:rl:login:*");
            if (limits.length) await master.del(...limits);
          } finally {
            master.disconnect();
          }
          await Bun.sleep(1000);
          const load = startLoad({
            base: api.base,
            concurrency: 4,
            maxRequests: 50_000,
            maxMs: 22_000,
            timeoutMs: 15_000,
            next: (i) => authRead(i, targets, tokens),
          });
          await Bun.sleep(3000);
          const hungPort = await group.masterPort();
          const hung = group.replica;
          const pausedAt = load.now();
          hung.pause();
          const switchMs = await msUntil(async () => (await group.masterPort()) !== hungPort, 30_000, 100);
          const switchedAt = pausedAt + (switchMs ?? 0);
          // A session created on the new primary while the old one still hangs.
          await Bun.sleep(3000);
          let lateLoginError = "";
          const lateToken = await login(api.base, ADMIN).catch((err: Error) => {
            lateLoginError = err.message.slice(0, 200);
            return null;
          });
          await Bun.sleep(Math.max(0, pausedAt + 14_000 - load.now()));
          const resumedAt = load.now();
          hung.resume();
          const outcomes = await load.done;
          await Bun.sleep(2000);
          const lateMe = lateToken ? await call(api.base, "/api/auth/me", { token: lateToken }) : null;

          const authDown = (o: Outcome) => o.status === 503 && o.code === "AUTH_UNAVAILABLE";
          const downs = outcomes.filter(authDown);
          const lastDown = downs.reduce((m, o) => Math.max(m, o.sentAt + o.ms), pausedAt);
          const unexpected = outcomes.filter((o) =>
            o.sentAt + o.ms < pausedAt || o.sentAt > lastDown
              ? o.status !== 200
              : !(o.status === 200 || authDown(o)),
          );
          const checks: Check[] = [
            {
              name: "Sentinel promoted the replica of the hung primary",
              ok: switchMs !== null,
              detail: `${((switchMs ?? 0) / 1000).toFixed(1)} s after SIGSTOP`,
            },
            {
              name: "503 AUTH_UNAVAILABLE ends soon after the switch, long before the hung primary resumes",
              ok:
                switchMs !== null &&
                lastDown < switchedAt + 5000 &&
                lastDown < resumedAt &&
                unexpected.length === 0,
              detail: `last 503 ${((lastDown - pausedAt) / 1000).toFixed(1)} s after SIGSTOP; switch at ${(
                (switchedAt - pausedAt) / 1000
              ).toFixed(1)} s; SIGCONT at ${((resumedAt - pausedAt) / 1000).toFixed(1)} s`,
            },
            {
              name: "a session created during the hang was written to the new primary (still valid after SIGCONT)",
              ok: lateToken !== null && lateMe?.status === 200,
              detail: `login ${lateToken ? "ok" : `failed (${lateLoginError})`}, then /me ${lateMe?.status}`,
            },
            {
              name: "API and worker alive, no crash output",
              ok: api.alive() && worker.alive() && crashLines(api.output()).length === 0,
            },
          ];
          recordScenario(
            "3b Redis Sentinel, hung primary",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
            {
              recoverySeconds: (lastDown - pausedAt) / 1000,
              figures: { "sentinel switch": `${((switchMs ?? 0) / 1000).toFixed(1)} s after SIGSTOP` },
            },
          );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api, worker }),
      ),
    );
  });
}
