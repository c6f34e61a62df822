import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `courtflow-${prefix}-`));
}

/** A free TCP port on loopback (bind to 0, read, release). */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = server.port ?? 0;
  server.stop(true);
  return port;
}

/** Environment for a child process: no inherited DATABASE_URL/REDIS_URL unless given. */
export function childEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (
      /^(DATABASE_|DIRECT_DATABASE_URL|REDIS_|CACHE_REDIS|SESSION_REDIS|QUEUE_REDIS|JWT_|PORT$|HOST$|METRICS_|PGLITE_DIR)/.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/** The last `max` characters of a child's stdout and stderr (killing it first so the pipes end). */
export async function outputOf(
  proc: Subprocess<
    "ignore" | "pipe" | "inherit",
    "pipe" | "inherit" | "ignore",
    "pipe" | "inherit" | "ignore"
  >,
  max = 4000,
): Promise<string> {
  if (proc.exitCode === null) proc.kill("SIGKILL");
  const read = async (s: unknown) => {
    if (!(s instanceof ReadableStream)) return "";
    // A caller that drains the pipe itself passes its copy to waitForHttp as `output`.
    if (s.locked) return "(read by the test)";
    return await new Response(s).text().catch(() => "");
  };
  const both = Promise.all([read(proc.stdout), read(proc.stderr)]);
  const out = await Promise.race([both, Bun.sleep(3000).then(() => ["(unread)", "(unread)"])]);
  return `--- stderr\n${out[1]!.slice(-max)}\n--- stdout\n${out[0]!.slice(-max)}`;
}

/**
 * Polls until `url` answers (and `ok` accepts the response: a process that listens while starting
 * answers 503 first). With `proc`, fails as soon as the child exits, and the error carries the tail
 * of the child's stderr and stdout either way (`output` when the caller drains the pipes itself).
 * Readiness is what is measured: give a deadline that only stops a hang (a loaded 2-core machine
 * takes many times longer than an idle one).
 */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  opts: {
    ok?: (res: Response) => boolean;
    proc?: Subprocess<
      "ignore" | "pipe" | "inherit",
      "pipe" | "inherit" | "ignore",
      "pipe" | "inherit" | "ignore"
    >;
    /** The child's output so far, when the caller reads its pipes (then they are not read here). */
    output?: () => string;
  } = {},
): Promise<Response> {
  const tail = async () => {
    if (opts.output) {
      opts.proc?.kill("SIGKILL");
      return `--- output\n${opts.output().slice(-8000)}`;
    }
    return opts.proc ? await outputOf(opts.proc) : "(no child process given: its output is unknown)";
  };
  const started = Date.now();
  const deadline = Date.now() + timeoutMs;
  let last = "nothing";
  while (Date.now() < deadline) {
    if (opts.proc && opts.proc.exitCode !== null) {
      throw new Error(`exited with ${opts.proc.exitCode} before ${url} answered\n${await tail()}`);
    }
    try {
      const res = await fetch(url);
      if (!opts.ok || opts.ok(res)) return res;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await Bun.sleep(100);
  }
  throw new Error(`no answer from ${url} within ${Date.now() - started} ms (last: ${last})\n${await tail()}`);
}

/**
 * Addresses with a listening TCP socket on `port`, read from /proc/net/tcp{,6} (Linux): "127.0.0.1",
 * "0.0.0.0", "::"… What the kernel says, not what the server was told.
 */
export function listeningAddresses(port: number): string[] {
  const out: string[] = [];
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const [file, v6] of [
    ["/proc/net/tcp", false],
    ["/proc/net/tcp6", true],
  ] as const) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [addr, p] = (cols[1] ?? "").split(":");
      if (p !== hexPort || cols[3] !== "0A" || !addr) continue;
      if (!v6) {
        out.push([6, 4, 2, 0].map((i) => Number.parseInt(addr.slice(i, i + 2), 16)).join("."));
      } else {
        out.push(/^0+$/.test(addr) ? "::" : addr === "00000000000000000000000001000000" ? "::1" : addr);
      }
    }
  }
  return out;
}
