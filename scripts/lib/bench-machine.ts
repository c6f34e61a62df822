import { readFileSync } from "node:fs";
import os from "node:os";
import { Redis } from "ioredis";
import postgres from "postgres";
import type { Machine } from "./bench-report";

// What the figures were measured on: ratios travel between machines, rates do not.

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? "unknown CPU";
}

export async function describeMachine(databaseUrl: string, redisUrl: string, wrk: string): Promise<Machine> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  try {
    const [pg] = await sql`select current_setting('server_version') as v`;
    await redis.connect();
    const info = await redis.info("server");
    const wrkVersion = Bun.spawnSync([wrk, "-v"]).stdout.toString().split("\n")[0]?.trim() ?? "wrk";
    return {
      cpu: cpuModel(),
      cores: os.availableParallelism(),
      memoryGb: os.totalmem() / 1024 ** 3,
      kernel: `${os.type()} ${os.release()}`,
      bun: Bun.version,
      postgres: String(pg!.v),
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
      wrk: wrkVersion.replace(/ Copyright.*$/, ""),
    };
  } finally {
    await sql.end();
    redis.disconnect();
  }
}
