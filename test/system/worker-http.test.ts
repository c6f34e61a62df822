import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { describePg } from "../helpers/guards";
import { childEnv, freePort, ROOT, waitForHttp } from "../helpers/process";
import { IN_CI, TEST_DATABASE_URL } from "../helpers/services";
import { parseMetrics } from "./prom-text";
import { promtoolCheck } from "./promtool";

describePg("worker process (production) /health and /metrics on WORKER_PORT", () => {
  const token = "worker-metrics-token-0123";
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  let proc: Subprocess<"ignore", "pipe", "pipe">;

  beforeAll(async () => {
    proc = Bun.spawn(["bun", "workers/index.ts"], {
      cwd: ROOT,
      env: childEnv({
        DATABASE_URL: TEST_DATABASE_URL,
        WORKER_PORT: String(port),
        METRICS_TOKEN: token,
        NODE_ENV: "production",
        JWT_SECRET: "worker-test-secret-worker-test-secret-0",
        LOG_LEVEL: "warn",
      }),
      stdout: "pipe",
      stderr: "pipe",
    });
    await waitForHttp(`${base}/health`, 15_000);
  });
  afterAll(() => {
    proc.kill("SIGKILL");
  });

  test("GET /health answers 200 ok with uptime, version and its queues", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      uptimeSeconds: expect.any(Number),
      version: "0.1.0",
      queues: [],
    });
  });

  test("GET /metrics needs the token, then serves queue, job, database and process metrics", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { types, samples } = parseMetrics(text);
    for (const name of [
      "courtflow_queue_jobs",
      "courtflow_job_duration_seconds",
      "courtflow_import_rows_total",
      "courtflow_db_pool_max_connections",
      "courtflow_db_query_duration_seconds",
      "courtflow_process_cpu_user_seconds_total",
      "courtflow_health_check_status",
    ]) {
      expect([name, types.has(name)]).toEqual([name, true]);
    }
    expect(
      samples.find((s) => s.name === "courtflow_health_check_status" && s.labels.check === "database"),
    ).toMatchObject({
      labels: { process: "worker" },
      value: 1,
    });
    const promtool = await promtoolCheck(text);
    if (promtool) expect(promtool).toEqual({ code: 0, output: "" });
    else if (IN_CI) throw new Error("promtool is required in CI");
  });

  test("the detailed report needs the token too", async () => {
    expect((await fetch(`${base}/health/detailed`)).status).toBe(401);
    const res = await fetch(`${base}/health/detailed`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: Record<string, { status: string; message?: string }> };
    expect(body.checks.database!.status).toBe("ok");
    expect(body.checks.queues).toMatchObject({ status: "ok", message: "no queues" });
  });

  test("SIGTERM stops the server and exits 0", async () => {
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
