import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { describePgRedis } from "../helpers/guards";
import { childEnv, freePort, listeningAddresses, outputOf, ROOT, waitForHttp } from "../helpers/process";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "../helpers/services";

// API_PROCESSES=2 as an operator runs it: `bun src/index.ts` becomes a supervisor of two real API
// processes sharing one port (src/supervisor.ts).

const JWT_SECRET = "api-processes-test-secret-0123456789abcdef";

function startSupervisor(extra: Record<string, string> = {}) {
  const port = freePort();
  // Two free ports in a row for METRICS_PORT + index.
  let metricsPort = freePort();
  while (metricsPort >= 65535 || !portFree(metricsPort + 1)) metricsPort = freePort();
  const proc = Bun.spawn(["bun", "--no-env-file", "src/index.ts"], {
    cwd: ROOT,
    env: childEnv({
      API_PROCESSES: "2",
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      JWT_SECRET,
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      ...extra,
    }),
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc, port, metricsPort, base: `http://127.0.0.1:${port}` };
}

function portFree(port: number): boolean {
  try {
    Bun.serve({ port, hostname: "127.0.0.1", fetch: () => new Response("") }).stop(true);
    return true;
  } catch {
    return false;
  }
}

/** The supervisor's child processes, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Requests served by one child, by route, from its own metrics port. */
async function servedBy(metricsPort: number, route: string): Promise<{ index: string; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/api/system/metrics`)).text();
  let count = 0;
  let index = "";
  for (const line of text.split("\n")) {
    const m = /^courtflow_http_requests_total\{([^}]*)\} (\d+)/.exec(line);
    if (!m || !m[1]!.includes(`route="${route}"`)) continue;
    count += Number(m[2]);
    index = /process_index="(\d+)"/.exec(m[1]!)?.[1] ?? "";
  }
  return { index, count };
}

/** Writes a login request whose body arrives slowly, and resolves with the status line of the answer. */
async function slowRequest(
  port: number,
  bodyMs: number,
): Promise<{ sent: Promise<void>; answer: Promise<string> }> {
  const body = JSON.stringify({ email: "not-an-email", password: "x" });
  let received = "";
  let resolveAnswer!: (s: string) => void;
  const answer = new Promise<string>((r) => {
    resolveAnswer = r;
  });
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        received += chunk.toString();
        if (received.includes("\r\n\r\n")) resolveAnswer(received.split("\r\n")[0]!);
      },
      close() {
        resolveAnswer(received.split("\r\n")[0] || "(closed without an answer)");
      },
      error() {},
    },
  });
  socket.write(
    `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
  );
  const sent = (async () => {
    await Bun.sleep(bodyMs);
    socket.write(body.slice(5));
  })();
  return { sent, answer };
}

describePgRedis("API_PROCESSES=2: a supervisor and two API processes on one port", () => {
  test("both processes serve the shared port; a crashed one is restarted; SIGTERM drains both with every in-flight request answered, exit 0", async () => {
    const sup = startSupervisor();
    try {
      await waitForHttp(`${sup.base}/api/system/health`, 60_000, {
        proc: sup.proc,
        ok: (r) => r.status === 200,
      });
      await waitForHttp(`http://127.0.0.1:${sup.metricsPort + 1}/api/system/health/live`, 30_000, {
        proc: sup.proc,
      });
      await waitForHttp(`http://127.0.0.1:${sup.metricsPort}/api/system/health/live`, 30_000, {
        proc: sup.proc,
      });

      // Two listening sockets on the one port, one per child.
      expect(listeningAddresses(sup.port)).toEqual(["127.0.0.1", "127.0.0.1"]);
      const pids = childrenOf(sup.proc.pid);
      expect(pids).toHaveLength(2);

      // New connections through the shared port reach both processes (each counts what it served).
      for (let i = 0; i < 60; i++) {
        const res = await fetch(`${sup.base}/api/system/health/live`, { keepalive: false });
        expect(res.status).toBe(200);
      }
      const a = await servedBy(sup.metricsPort, "/api/system/health/live");
      const b = await servedBy(sup.metricsPort + 1, "/api/system/health/live");
      expect([a.index, b.index]).toEqual(["0", "1"]);
      expect(a.count).toBeGreaterThan(0);
      expect(b.count).toBeGreaterThan(0);
      expect(a.count + b.count).toBeGreaterThanOrEqual(60);

      // A child killed outright comes back (a new pid), and its metrics port answers again.
      process.kill(pids[1]!, "SIGKILL");
      const until = Date.now() + 30_000;
      let now = childrenOf(sup.proc.pid);
      while (Date.now() < until && !(now.length === 2 && !now.includes(pids[1]!))) {
        await Bun.sleep(100);
        now = childrenOf(sup.proc.pid);
      }
      expect(now).toHaveLength(2);
      expect(now).toContain(pids[0]!);
      expect(now).not.toContain(pids[1]!);
      await waitForHttp(`http://127.0.0.1:${sup.metricsPort + 1}/api/system/health/live`, 30_000, {
        proc: sup.proc,
      });
      expect(listeningAddresses(sup.port)).toHaveLength(2);

      // Requests in flight in both processes when SIGTERM reaches the supervisor: 12 connections whose
      // bodies are still arriving (the kernel spreads them; /proc shows which process holds each).
      const slow = await Promise.all(Array.from({ length: 12 }, () => slowRequest(sup.port, 1500)));
      await Bun.sleep(300);
      const holders = socketHolders(sup.port);
      expect(holders.size).toBe(2);
      sup.proc.kill("SIGTERM");
      await Promise.all(slow.map((s) => s.sent));
      const answers = await Promise.all(slow.map((s) => s.answer));
      // Every one answered in full: 400 naming the bad field, not a reset connection.
      expect(answers).toEqual(Array(12).fill("HTTP/1.1 400 Bad Request"));

      expect(await sup.proc.exited).toBe(0);
      expect(childrenOf(sup.proc.pid)).toEqual([]);
      expect(listeningAddresses(sup.port)).toEqual([]);
    } catch (err) {
      killAll(childrenOf(sup.proc.pid));
      throw new Error(`${err}\n${await outputOf(sup.proc)}`);
    } finally {
      sup.proc.kill("SIGKILL");
    }
  }, 120_000);
});

/**
 * Pids holding an established server-side connection on `port`: /proc/net/tcp gives the sockets'
 * inodes, /proc/<pid>/fd which process owns them.
 */
function socketHolders(port: number): Set<number> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "01") inodes.add(cols[9]!);
  }
  const holders = new Set<number>();
  for (const pid of readdirSafe("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) holders.add(Number(pid));
      } catch {
        // gone
      }
    }
  }
  return holders;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

test("embedded mode (no DATABASE_URL) refuses API_PROCESSES=2 and says why", async () => {
  const proc = Bun.spawn(["bun", "--no-env-file", "src/index.ts"], {
    cwd: ROOT,
    env: childEnv({
      API_PROCESSES: "2",
      PORT: String(freePort()),
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
    }),
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(await proc.exited).toBe(1);
  const err = await new Response(proc.stderr).text();
  expect(err).toContain("API_PROCESSES: API_PROCESSES=2 (2 processes) needs DATABASE_URL");
  expect(err).toContain("PGlite directory is owned by one process");
});

describePgRedis("API_PROCESSES=2 when the first start fails", () => {
  test("the supervisor stops the other process and exits with the failed one's code, leaving nothing behind", async () => {
    const missing = new URL(TEST_DATABASE_URL);
    missing.pathname = "/courtflow_no_such_database";
    const sup = startSupervisor({ DATABASE_URL: missing.toString(), DATABASE_CONNECT_RETRIES: "0" });
    const code = await Promise.race([sup.proc.exited, Bun.sleep(60_000).then(() => "still running")]);
    const out = await outputOf(sup.proc);
    expect(code, out).toBe(1);
    expect(out).toContain("an api process failed to start: stopping the others");
    expect(childrenOf(sup.proc.pid)).toEqual([]);
    expect(listeningAddresses(sup.port)).toEqual([]);
  }, 90_000);
});

describePgRedis("API_PROCESSES=2 when the supervisor is killed outright", () => {
  test("SIGKILL to the supervisor: its processes notice, drain on their own and free the port", async () => {
    const sup = startSupervisor();
    let pids: number[] = [];
    try {
      await waitForHttp(`http://127.0.0.1:${sup.metricsPort}/api/system/health/live`, 60_000, {
        proc: sup.proc,
      });
      await waitForHttp(`http://127.0.0.1:${sup.metricsPort + 1}/api/system/health/live`, 60_000, {
        proc: sup.proc,
      });
      pids = childrenOf(sup.proc.pid);
      expect(pids).toHaveLength(2);
      sup.proc.kill("SIGKILL");
      const until = Date.now() + 20_000;
      const alive = () => pids.filter((pid) => existsSync(`/proc/${pid}/stat`) && !isZombie(pid));
      while (Date.now() < until && (alive().length > 0 || listeningAddresses(sup.port).length > 0))
        await Bun.sleep(100);
      expect(alive()).toEqual([]);
      expect(listeningAddresses(sup.port)).toEqual([]);
    } finally {
      killAll(pids);
      sup.proc.kill("SIGKILL");
    }
  }, 90_000);
});

/** A failed test leaves no API process behind. */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false;
  } catch {
    return true;
  }
}
