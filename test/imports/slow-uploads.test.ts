import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import type { Server } from "bun";
import { createTestApp, type TestApp } from "../helpers/app";
import { TEST_PASSWORD } from "../helpers/factories";
import { describePgRedis } from "../helpers/guards";
import { metricValue } from "../helpers/metrics";
import { tempDir } from "../helpers/process";
import { CASES_HEADER, count, type ImportWorld, type Json, setupWorld } from "./helpers";

// The attack: ten uploads sending a byte every few seconds each held a pooled connection inside an
// open transaction, so with DATABASE_POOL_MAX=10 every database route, login included, stopped
// answering. Here the pool has 2 connections, ten uploads trickle over real sockets into a real Bun
// server, and login and a data route must keep answering; at the deadline every trickling upload is
// cut with 408 and leaves nothing behind: no batch, no staged row, no spool file. A client that walks
// away mid-upload is a 499 in the request metrics, not a 500.

const SLOW = 90_000;
const BOUNDARY = "trickle-boundary";

interface RawUpload {
  /** Everything the server sent, once it closed the connection (or we did). */
  response: Promise<string>;
  close(): void;
}

/** An upload over a raw socket: the head and the first bytes of cases.csv at once, then one byte a tick. */
function trickle(port: number, token: string, tickMs: number): RawUpload {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (d) => {
    received += d.toString();
  });
  socket.on("error", () => {});
  const response = new Promise<string>((resolve) => socket.on("close", () => resolve(received)));
  socket.write(
    `POST /api/imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 200000\r\n\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="cases"; filename="cases.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\n${CASES_HEADER}\r\nD1,T-1,felony,2025-01-02,active,,,,\r\n`,
  );
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write("D");
  }, tickMs);
  socket.on("close", () => clearInterval(timer));
  return {
    response,
    close: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

function bodyOf(raw: string): Json {
  const at = raw.indexOf("\r\n\r\n");
  return JSON.parse(raw.slice(at + 4));
}

describePgRedis("slow uploads: the pool stays free, the deadline cuts them, nothing is left", () => {
  let t: TestApp;
  let w: ImportWorld;
  let server: Server<undefined>;
  let spool: string;
  let base: string;

  beforeAll(async () => {
    spool = tempDir("spool");
    t = await createTestApp({
      env: {
        DATABASE_POOL_MAX: "2",
        IMPORT_UPLOAD_TIMEOUT_S: "4",
        IMPORT_MAX_UPLOADS_PER_USER: "10",
        IMPORT_SPOOL_DIR: spool,
        API_RATE_LIMIT_PER_MIN: "100000",
        LOGIN_RATE_LIMIT_PER_MIN: "1000",
      },
    });
    w = await setupWorld(t);
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: t.app.fetch, idleTimeout: 120 });
    base = `http://127.0.0.1:${server.port}`;
  }, SLOW);
  afterAll(async () => {
    await server?.stop(true);
    await t?.close();
    rmSync(spool, { recursive: true, force: true });
  });

  test(
    "ten trickling uploads: login and data routes answer meanwhile; each upload is cut with 408 and leaves nothing",
    async () => {
      const uploads = Array.from({ length: 10 }, () => trickle(server.port!, w.tokens.admin, 400));
      try {
        // Let every upload reach its body (past authentication, quota check and id reservation): each
        // has its spool file then. Checked after the reads below, which are the point.
        for (let i = 0; i < 100 && readdirSync(spool).length < 10; i++) await Bun.sleep(50);
        const inFlight = readdirSync(spool).length;
        // A bound on the wait, not a timing claim: a stalled pool would make these hang until the
        // uploads end, which (without the deadline) is never.
        const within = { signal: AbortSignal.timeout(15_000) };
        const loginRes = await fetch(`${base}/api/auth/login`, {
          ...within,
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "viewer@imp.org", password: TEST_PASSWORD }),
        });
        expect(loginRes.status).toBe(200);
        const viewer = ((await loginRes.json()) as Json).accessToken;
        const cases = await fetch(`${base}/api/cases?limit=5`, {
          ...within,
          headers: { authorization: `Bearer ${viewer}` },
        });
        expect(cases.status).toBe(200);
        const courts = await fetch(`${base}/api/courts`, {
          ...within,
          headers: { authorization: `Bearer ${viewer}` },
        });
        expect(courts.status).toBe(200);
        expect(inFlight).toBe(10);

        const answers = await Promise.all(uploads.map((u) => u.response));
        expect(answers.map(statusOf)).toEqual(Array(10).fill(408));
        const body = bodyOf(answers[0]!);
        expect(body.error.code).toBe("REQUEST_TIMEOUT");
        expect(body.error.message).toContain("IMPORT_UPLOAD_TIMEOUT_S");
      } finally {
        for (const u of uploads) u.close();
      }
      expect(await count(t, "select * from daily_import_batches")).toBe(0);
      expect(await count(t, "select * from import_staged_rows")).toBe(0);
      expect(readdirSync(spool)).toEqual([]);
    },
    SLOW,
  );

  test(
    "a client that walks away mid-upload is counted as 499 (client closed request), not as a 500",
    async () => {
      const labels = { method: "POST", route: "/api/imports" };
      const before = await metricValue(t.deps.metrics, "courtflow_http_requests_total", {
        ...labels,
        status: "499",
      });
      const upload = trickle(server.port!, w.tokens.admin, 100);
      for (let i = 0; i < 50 && readdirSync(spool).length < 1; i++) await Bun.sleep(50);
      upload.close();
      let after = before;
      for (let i = 0; i < 100 && after === before; i++) {
        await Bun.sleep(50);
        after = await metricValue(t.deps.metrics, "courtflow_http_requests_total", {
          ...labels,
          status: "499",
        });
      }
      expect(after).toBe(before + 1);
      expect(
        await metricValue(t.deps.metrics, "courtflow_http_requests_total", { ...labels, status: "500" }),
      ).toBe(0);
      const lines = t.logs.json().filter((l) => (l.req as Json)?.url === "/api/imports");
      expect(lines.at(-1)).toMatchObject({ level: "warn", res: { status: 499 } });
      expect(t.logs.json().filter((l) => l.level === "error")).toEqual([]);
      expect(await count(t, "select * from daily_import_batches")).toBe(0);
      expect(readdirSync(spool)).toEqual([]);
    },
    SLOW,
  );
});
