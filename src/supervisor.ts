import type { Subprocess } from "bun";
import type { Config } from "./config/env";
import type { Logger } from "./lib/logger";

// API_PROCESSES > 1: `bun src/index.ts` becomes this supervisor. It serves nothing itself; it starts N
// API processes (`bun src/index.ts --api-process <i>`) that all bind PORT with SO_REUSEPORT, so the
// kernel spreads incoming connections over them (docs/scaling.md#every-core).
//
// - A child binds the port only once it is ready (database connected), so a starting or restarting
//   child never takes a connection it would answer 503 "starting".
// - SIGTERM/SIGINT: forwarded (as SIGTERM) to every child, which drains its in-flight requests as a
//   single process does; the supervisor exits once all have, 0 when every child exited 0. A second
//   signal kills them at once (exit 1), like a second Ctrl-C on one process.
// - A child that exits on its own after it was ready (crash, OOM kill, any exit code) is restarted
//   after a backoff: 0.5 s, doubled each time up to 30 s, back to 0.5 s once a child has stayed up for
//   a minute. A child that fails during the first start (bad database URL, migrations missing…) stops
//   the whole supervisor with its exit code, as one process would exit.
// - Children watch their parent: a supervisor killed with SIGKILL leaves no API behind.

export const CHILD_FLAG = "--api-process";

/** The child index given by the supervisor on the command line, or null (not a child). */
export function childIndexFrom(argv: string[]): number | null {
  const at = argv.indexOf(CHILD_FLAG);
  if (at < 0) return null;
  const index = Number(argv[at + 1]);
  return Number.isInteger(index) && index >= 0 ? index : null;
}

/** The message a child sends its supervisor once it is listening. */
export interface ChildReady {
  type: "ready";
  index: number;
  pid: number;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A child up this long has recovered: the next crash restarts it after the shortest backoff. */
const STABLE_AFTER_MS = 60_000;

interface Child {
  index: number;
  proc: Subprocess | null;
  startedAt: number;
  ready: boolean;
  everReady: boolean;
  failures: number;
  restartTimer: ReturnType<typeof setTimeout> | null;
}

export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1));
}

/** Runs N API children until a signal (or a failed first start); exits the process. */
export function superviseApi(
  config: Pick<Config, "apiProcesses" | "SHUTDOWN_TIMEOUT_MS" | "PORT" | "HOST" | "METRICS_PORT">,
  logger: Logger,
  entry: string,
): Promise<never> {
  const n = config.apiProcesses;
  const children: Child[] = Array.from({ length: n }, (_, index) => ({
    index,
    proc: null,
    startedAt: 0,
    ready: false,
    everReady: false,
    failures: 0,
    restartTimer: null,
  }));
  let stopping: NodeJS.Signals | null = null;
  let allReadyLogged = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let failedExit = false;
  /** The exit code of a child whose first start failed: the supervisor exits with it. */
  let startFailure: number | null = null;

  function spawn(child: Child): void {
    child.startedAt = Date.now();
    child.ready = false;
    child.proc = Bun.spawn([process.execPath, entry, CHILD_FLAG, String(child.index)], {
      env: process.env,
      stdio: ["ignore", "inherit", "inherit"],
      ipc(message) {
        const m = message as Partial<ChildReady>;
        if (m?.type !== "ready") return;
        child.ready = true;
        child.everReady = true;
        if (!allReadyLogged && children.every((c) => c.ready)) {
          allReadyLogged = true;
          logger.info(
            { processes: n, port: config.PORT, pids: children.map((c) => c.proc?.pid) },
            "courtflow api ready: all processes listening",
          );
        }
      },
    });
    const proc = child.proc;
    proc.exited.then((code) => onExit(child, proc, code));
  }

  function onExit(child: Child, proc: Subprocess, code: number): void {
    if (child.proc !== proc) return;
    child.proc = null;
    child.ready = false;
    const how = { index: child.index, pid: proc.pid, code, signal: proc.signalCode ?? undefined };
    if (stopping) {
      if (code !== 0) failedExit = true;
      logger.info(how, "api process stopped");
      if (children.every((c) => c.proc === null)) finish(failedExit ? 1 : 0);
      return;
    }
    if (!child.everReady) {
      // The first start failed: the others would fail the same way (same configuration, same database).
      logger.error(how, "an api process failed to start: stopping the others");
      stopAll("SIGTERM", code === 0 ? 1 : code);
      return;
    }
    if (Date.now() - child.startedAt >= STABLE_AFTER_MS) child.failures = 0;
    child.failures += 1;
    const delay = backoffMs(child.failures);
    logger.warn(
      { ...how, restartInMs: delay, restarts: child.failures },
      "api process exited: restarting it",
    );
    child.restartTimer = setTimeout(() => {
      child.restartTimer = null;
      if (!stopping) spawn(child);
    }, delay);
  }

  function stopAll(signal: NodeJS.Signals, exitCode?: number): void {
    if (stopping) {
      // A second signal: do not wait.
      logger.warn({ signal }, "second signal: killing the api processes");
      for (const c of children) c.proc?.kill("SIGKILL");
      finish(1);
      return;
    }
    stopping = signal;
    logger.info({ signal, processes: n }, "shutting down: draining every api process");
    for (const c of children) {
      if (c.restartTimer) clearTimeout(c.restartTimer);
      c.restartTimer = null;
      // SIGTERM whatever the signal: a terminal's Ctrl-C already sent SIGINT to the whole process
      // group, and a child stops on the first of the two without dying of the second.
      c.proc?.kill("SIGTERM");
    }
    startFailure = exitCode ?? null;
    if (children.every((c) => c.proc === null)) finish(failedExit ? 1 : 0);
    // A child stuck past its own deadline is killed.
    setTimeout(() => {
      for (const c of children) c.proc?.kill("SIGKILL");
    }, config.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
  }

  process.on("SIGTERM", () => stopAll("SIGTERM"));
  process.on("SIGINT", () => stopAll("SIGINT"));
  logger.info(
    { processes: n, port: config.PORT, host: config.HOST, metricsPorts: metricsPorts(config) },
    "courtflow api supervisor: starting the api processes",
  );
  for (const c of children) spawn(c);
  return done.then((code) => process.exit(startFailure ?? code));
}

/** Where each child serves its metrics: METRICS_PORT + index (0: a port of its own choosing). */
export function metricsPortOf(metricsPort: number | undefined, index: number): number | undefined {
  if (metricsPort === undefined || metricsPort === 0) return metricsPort;
  return metricsPort + index;
}

function metricsPorts(config: Pick<Config, "apiProcesses" | "METRICS_PORT">): (number | undefined)[] {
  return Array.from({ length: config.apiProcesses }, (_, i) => metricsPortOf(config.METRICS_PORT, i));
}
