import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort, ROOT, type Started, startBun, startCommand } from "./bench-processes";
import { say } from "./cli";

// The servers `bun run bench` compares CourtFlow with on the same endpoints: the bare same-work
// servers (bench/bare/*.ts, Bun) and the Express peer (bench/peers/express, Node), started on loopback
// with the same database, Redis db and JWT secret as the app.

export const PEER_DIR = join(ROOT, "bench/peers/express");

export interface PeerEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  JWT_SECRET: string;
  API_RATE_LIMIT_PER_MIN: string;
}

export type SameWork = "health" | "case" | "summary";

/** One bench/bare/<kind>.ts server; ready once it answers (a 401 without a token counts). */
export function startSameWork(kind: SameWork, env: PeerEnv): Promise<Started> {
  const port = freePort();
  return startBun(
    [`bench/bare/${kind}.ts`],
    { ...env, PORT: String(port) },
    {
      port,
      readyPath:
        kind === "health" ? "/api/system/health" : kind === "case" ? "/api/cases/1" : "/api/measures/summary",
      timeoutMs: 20_000,
      accept: (s) => s < 500,
    },
  );
}

/**
 * `npm ci` in bench/peers/express from the npm registry (skipped when node_modules is newer than the
 * lock file). Returns why the peer cannot run, or null.
 */
export async function installPeer(): Promise<string | null> {
  const node = Bun.which("node");
  const npm = Bun.which("npm");
  if (!node || !npm) return "node/npm not installed";
  const installed = join(PEER_DIR, "node_modules/.package-lock.json");
  const lock = join(PEER_DIR, "package-lock.json");
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return null;
  say("installing the Express peer (npm ci)…");
  const proc = Bun.spawn([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: PEER_DIR,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return code === 0
    ? null
    : `npm ci failed (${code}): ${(err || out).trim().split("\n").slice(-3).join(" ")}`;
}

export async function nodeVersion(): Promise<string | null> {
  const node = Bun.which("node");
  if (!node) return null;
  const proc = Bun.spawn([node, "--version"], { stdout: "pipe" });
  return (await new Response(proc.stdout).text()).trim();
}

export function startPeer(env: PeerEnv): Promise<Started> {
  const port = freePort();
  return startCommand(
    [Bun.which("node") ?? "node", "server.js"],
    { ...env, PORT: String(port), NODE_ENV: "production" },
    { port, readyPath: "/api/system/health", timeoutMs: 20_000, cwd: PEER_DIR },
  );
}
