import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import postgres from "postgres";
import { authRead, loginCall, publicRead, type ReadTargets, readTargets } from "../lib/calls";
import { startLoad } from "../lib/load";
import { type ChaosProcess, crashLines, startApi } from "../lib/processes";
import { type Check, recorded, recordScenario } from "../lib/summary";
import { ADMIN, createWorld, login, VIEWER, type World } from "../lib/world";

// Scenario 6: ten uploads trickle a byte every half second each (the attack that used to hold ten
// pooled connections in open transactions and stall every database route). The API runs with a pool
// of 4; logins, case reads and public reads must keep answering 200 while they trickle, every upload
// must be cut at the deadline with 408, and nothing of them may stay in the database.

/** Long enough that every request of the load is answered (or times out) while the uploads still trickle. */
const DEADLINE_S = 30;
const LOAD_MS = 10_000;
/** Logins hash with argon2: on a loaded 2-core machine one can take seconds, which is not a stall. */
const CLIENT_TIMEOUT_MS = 15_000;
const BOUNDARY = "chaos-trickle";
const CASES_HEADER = "court_code,case_number,case_type,filed_on,status";

/** Resolves with the status the server answered (0 when it closed without one). */
function trickleUpload(port: number, token: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const timer = setInterval(() => !socket.destroyed && socket.write("D"), 500);
    const finish = () => {
      clearInterval(timer);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
    };
    socket.on("data", (d) => {
      text += d.toString();
    });
    socket.on("close", finish);
    socket.on("error", () => {});
    socket.write(
      `POST /api/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 1000000\r\n\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="cases"; filename="cases.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\n${CASES_HEADER}\r\n`,
    );
  });
}

export function slowUploadsScenario(): void {
  describe("6. Ten slow uploads", () => {
    let world: World;
    let api: ChaosProcess;
    let targets: ReadTargets;
    let tokens: string[];

    beforeAll(async () => {
      world = await createWorld({ cases: 1000 });
      api = await startApi({
        databaseUrl: world.databaseUrl,
        redisUrl: world.redis.url(0),
        extra: {
          DATABASE_POOL_MAX: "4",
          IMPORT_UPLOAD_TIMEOUT_S: String(DEADLINE_S),
          IMPORT_MAX_UPLOADS_PER_USER: "10",
        },
      });
      targets = await readTargets(world.databaseUrl);
      tokens = [await login(api.base, ADMIN), await login(api.base, VIEWER)];
    });

    afterAll(async () => {
      await api?.stop();
      await world?.destroy();
    });

    test(
      "logins and reads answer while ten uploads trickle; each upload is cut with 408, nothing kept",
      recorded(
        "6 ten slow uploads",
        async () => {
          const t0 = performance.now();
          const sql = postgres(world.databaseUrl, { max: 1, onnotice: () => {} });
          const [{ n: batchesBefore }] = (await sql`select count(*)::int as n from daily_import_batches`) as [
            { n: number },
          ];
          const uploads = Array.from({ length: 10 }, () => trickleUpload(api.port, tokens[0]!));
          await Bun.sleep(500);
          const load = startLoad({
            base: api.base,
            concurrency: 8,
            maxRequests: 100_000,
            maxMs: LOAD_MS,
            timeoutMs: CLIENT_TIMEOUT_MS,
            next: (i) =>
              i % 10 === 9 ? loginCall(ADMIN) : i % 3 === 2 ? publicRead(i) : authRead(i, targets, tokens),
          });
          const outcomes = await load.done;
          const statuses = await Promise.all(uploads);
          const [{ n: batchesAfter }] = (await sql`select count(*)::int as n from daily_import_batches`) as [
            { n: number },
          ];
          const [{ n: staged }] = (await sql`select count(*)::int as n from import_staged_rows`) as [
            { n: number },
          ];
          await sql.end();

          const unexpected = outcomes.filter((o) => o.status !== 200);
          const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
          const p95 = ms[Math.floor(ms.length * 0.95)] ?? 0;
          const logins = outcomes.filter((o) => o.label === "login");
          const lastAnswer = Math.max(...outcomes.map((o) => o.sentAt + o.ms));
          const checks: Check[] = [
            {
              name: "every login, case read and public read answered 200 while the uploads trickled",
              ok: unexpected.length === 0 && outcomes.length > 0,
              detail: `${outcomes.length} requests (${logins.length} logins), p95 ${Math.round(p95)} ms`,
            },
            {
              name: "all of them answered before the uploads were cut",
              ok: lastAnswer < DEADLINE_S * 1000,
              detail: `last answer ${Math.round(lastAnswer)} ms after the load started`,
            },
            {
              name: `every trickling upload cut with 408 at the deadline (${DEADLINE_S} s)`,
              ok: statuses.every((s) => s === 408),
              detail: [...new Set(statuses)].join(", "),
            },
            {
              name: "no batch and no staged row left by the cut uploads",
              ok: batchesAfter === batchesBefore && staged === 0,
              detail: `batches ${batchesBefore} → ${batchesAfter}, staged rows ${staged}`,
            },
            {
              name: "API alive, no crash output",
              ok: api.alive() && crashLines(api.output()).length === 0,
              detail: api.alive() ? undefined : `exited ${api.proc.exitCode} (signal ${api.proc.signalCode})`,
            },
          ];
          recordScenario("6 ten slow uploads", outcomes, unexpected, checks, (performance.now() - t0) / 1000);
          for (const o of unexpected.slice(0, 10))
            console.log(o.label, o.path, o.status, o.code, `${Math.round(o.ms)} ms`);
          expect(checks.filter((c) => !c.ok)).toEqual([]);
        },
        () => ({ api }),
      ),
    );
  });
}
