import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { authRead, publicRead, type ReadTargets, readTargets } from "../lib/calls";
import { startLoad } from "../lib/load";
import { type ChaosProcess, crashLines, startApi } from "../lib/processes";
import { type Check, recorded, recordScenario } from "../lib/summary";
import { ADMIN, createWorld, login, type World } from "../lib/world";

// Scenario 4: SIGTERM while requests are in flight. To be sure some are, an exclusive lock on
// `cases` (held by the test) parks every case read in PostgreSQL; SIGTERM arrives while they wait,
// then the lock goes. Every request sent before the signal must complete with its answer; later
// ones are refused (the listener is closed) or told 503; the process exits 0 within the deadline.

const SHUTDOWN_TIMEOUT_MS = 10_000;

export function sigtermDrainScenario(): void {
  describe("4. API SIGTERM under load", () => {
    let world: World;
    let api: ChaosProcess;
    let targets: ReadTargets;
    let token: string;

    beforeAll(async () => {
      world = await createWorld();
      api = await startApi({
        databaseUrl: world.databaseUrl,
        redisUrl: world.redis.url(0),
        extra: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
      });
      targets = await readTargets(world.databaseUrl);
      token = await login(api.base, ADMIN);
    });

    afterAll(async () => {
      await api?.stop("SIGKILL");
      await world?.destroy();
    });

    test(
      "in-flight requests complete; the process exits 0 within the deadline",
      recorded(
        "4 API SIGTERM under load",
        async () => {
          const t0 = performance.now();
          const load = startLoad({
            base: api.base,
            concurrency: 16,
            maxRequests: 20_000,
            maxMs: 9000,
            timeoutMs: 20_000,
            next: (i) => (i % 5 === 4 ? publicRead(i) : authRead(i, targets, [token])),
          });
          await Bun.sleep(1500);
          const locker = postgres(world.databaseUrl, { max: 1, onnotice: () => {} });
          const reserved = await locker.reserve();
          await reserved`begin`;
          await reserved`lock table cases in access exclusive mode`;
          await Bun.sleep(1000);
          const signalAt = load.now();
          const signalled = performance.now();
          api.proc.kill("SIGTERM");
          await Bun.sleep(1500);
          await reserved`commit`;
          reserved.release();
          await locker.end();
          const code = await Promise.race([
            api.proc.exited,
            Bun.sleep(SHUTDOWN_TIMEOUT_MS + 5000).then(() => null),
          ]);
          const exitMs = performance.now() - signalled;
          const outcomes = await load.done;

          const before = outcomes.filter((o) => o.sentAt < signalAt - 5);
          const inFlight = before.filter((o) => o.sentAt + o.ms > signalAt);
          const after = outcomes.filter((o) => o.sentAt > signalAt + 5);
          const unexpected = [
            ...before.filter((o) => o.status !== 200),
            ...after.filter((o) => !(o.status === 0 || o.status === 503)),
          ];
          const checks: Check[] = [
            {
              name: "requests in flight at SIGTERM",
              ok: inFlight.length > 0,
              detail: `${inFlight.length} (parked on a lock, released 1.5 s after the signal)`,
            },
            {
              name: "every request sent before SIGTERM answered 200 (in-flight ones included)",
              ok: before.every((o) => o.status === 200),
              detail: `${before.length} requests`,
            },
            {
              name: "after SIGTERM: refused or 503, never a 500",
              ok: after.every((o) => o.status === 0 || o.status === 503),
              detail: `${after.length} requests`,
            },
            { name: "exit code 0", ok: code === 0, detail: `exit ${code}` },
            {
              name: `exited within the deadline (${SHUTDOWN_TIMEOUT_MS} ms)`,
              ok: code !== null && exitMs <= SHUTDOWN_TIMEOUT_MS + 2000,
              detail: `${Math.round(exitMs)} ms after the signal`,
            },
            { name: "no crash output", ok: crashLines(api.output()).length === 0 },
          ];
          recordScenario(
            "4 API SIGTERM under load",
            outcomes,
            unexpected,
            checks,
            (performance.now() - t0) / 1000,
          );
          for (const o of unexpected.slice(0, 10))
            console.log(
              o.label,
              o.path,
              o.status,
              o.code,
              `sent ${Math.round(o.sentAt - signalAt)} ms from the signal, ${Math.round(o.ms)} ms`,
            );
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api }),
      ),
    );
  });
}
