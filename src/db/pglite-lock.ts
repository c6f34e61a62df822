import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

// A PGlite directory is a PostgreSQL data directory with no postmaster to guard it: two processes
// opening it both run, both accept writes, and the second to flush wins (two API processes both
// answered 201 with court id 41, and one court was gone after a restart). So every opener (the API,
// db:migrate, migrate:dev, the seeds, db:studio) takes this lock first: a file in the directory
// (`courtflow.lock`; PostgreSQL ignores files it does not know) naming the process that holds it.
//
// Taking it: the file is written whole under a temporary name and hard-linked into place, which
// fails if the lock exists, so a reader never sees half a lock and of two starters exactly one wins.
// A lock whose process is gone (crash, SIGKILL) is stale: it is renamed aside (rename is atomic, so
// of two starters racing for the same stale lock one moves it), and the mover checks that what it
// moved is the stale lock it read; if a racer's fresh lock got moved instead, it is linked back.

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  /** Linux: the process's start time in clock ticks (/proc/<pid>/stat), to tell a reused pid. */
  procStart?: number;
  /** Unique per acquisition, so release() removes only its own lock. */
  token: string;
}

export class DatabaseLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    const who = `process ${holder.pid}${holder.command ? ` (${holder.command})` : ""}`;
    const where = holder.host === hostname() ? "" : ` on host ${holder.host}`;
    super(
      `the embedded database ${dir} is in use by ${who}${where}: stop it first, or give this process another PGLITE_DIR` +
        (where ? ` (if that host is gone, delete ${lockFile})` : ""),
    );
    this.name = "DatabaseLockedError";
  }
}

export interface PgliteLock {
  file: string;
  release(): void;
}

/** Lock files held by this process: opening the same directory twice in one process is refused too. */
const heldHere = new Map<string, string>();

export const LOCK_FILE = "courtflow.lock";

export function lockFileOf(dir: string): string {
  return join(resolve(dir), LOCK_FILE);
}

function procStartOf(pid: number): number | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The command line of a live process, where the platform shows it (Linux); else undefined. */
function commandOf(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const cmd = raw.split("\0").filter(Boolean).join(" ");
    return cmd || undefined;
  } catch {
    return undefined;
  }
}

function readHolder(file: string): LockHolder | null | "missing" {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    return null;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return Number.isSafeInteger(h.pid) && typeof h.token === "string" ? h : null;
  } catch {
    return null;
  }
}

/** True while the holder may still be running (another host's process cannot be checked: assume so). */
function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  // Our own pid on a lock this process does not hold: an earlier image of this process (bun --watch
  // re-executes in place, keeping the pid), whose PGlite went with it.
  if (h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // Alive, unless the pid was reused by a process started later than the holder.
  if (h.procStart !== undefined) {
    const now = procStartOf(h.pid);
    if (now !== undefined && now !== h.procStart) return false;
  }
  return true;
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? "");
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

/** Writes the holder under a temporary name and links it into place: false if a lock exists. */
function tryCreate(file: string, holder: LockHolder): boolean {
  const text = `${JSON.stringify(holder)}\n`;
  const tmp = `${file}.${process.pid}.${holder.token}.tmp`;
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if (isCode(err, "EEXIST")) return false;
    // No hard links on this filesystem (some container mounts): exclusive create, written at once.
    if (!isCode(err, "EPERM", "ENOTSUP", "EOPNOTSUPP", "EXDEV", "ENOSYS")) throw err;
    try {
      writeFileSync(file, text, { flag: "wx", mode: 0o644 });
      return true;
    } catch (e) {
      if (isCode(e, "EEXIST")) return false;
      throw e;
    }
  } finally {
    unlinkQuietly(tmp);
  }
}

/** Moves a stale lock aside; true when what was moved is that stale lock (a racer's fresh one goes back). */
function removeStale(file: string, stale: LockHolder | null): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if (isCode(err, "ENOENT")) return false; // a racer removed it first
    throw err;
  }
  const moved = readHolder(aside);
  const same =
    stale === null ? moved === null : moved !== null && moved !== "missing" && moved.token === stale.token;
  if (!same) {
    // A racer's fresh lock: put it back (link fails only if yet another lock appeared meanwhile).
    try {
      linkSync(aside, file);
    } catch {}
  }
  unlinkQuietly(aside);
  return same;
}

/**
 * Takes the lock of a PGlite directory, or throws DatabaseLockedError naming the process that holds
 * it. A lock left by a process that is gone is taken over.
 */
export function lockPgliteDir(dir: string): PgliteLock {
  const file = lockFileOf(dir);
  const mine = heldHere.get(file);
  if (mine) {
    throw new DatabaseLockedError(
      dir,
      {
        pid: process.pid,
        host: hostname(),
        command: "this process: it already has this directory open",
        startedAt: "",
        token: mine,
      },
      file,
    );
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: commandOf(process.pid) ?? process.argv.join(" "),
    startedAt: new Date().toISOString(),
    procStart: procStartOf(process.pid),
    token: randomBytes(12).toString("hex"),
  };
  let unreadable = 0;
  for (let attempt = 0; attempt < 50; attempt++) {
    if (tryCreate(file, holder)) {
      heldHere.set(file, holder.token);
      return {
        file,
        release: () => release(file, holder.token),
      };
    }
    const current = readHolder(file);
    if (current === "missing") continue;
    if (current === null && ++unreadable < 5) {
      // Only the no-hard-link fallback can show a lock before its content: give the writer a moment.
      Bun.sleepSync(20);
      continue;
    }
    if (current !== null && holderAlive(current)) {
      throw new DatabaseLockedError(
        dir,
        { ...current, command: commandOf(current.pid) ?? current.command },
        file,
      );
    }
    removeStale(file, current);
  }
  throw new Error(`could not take the lock ${file}: it keeps changing hands`);
}

function release(file: string, token: string): void {
  if (heldHere.get(file) !== token) return;
  heldHere.delete(file);
  const current = readHolder(file);
  if (current !== null && current !== "missing" && current.token === token) unlinkQuietly(file);
}

// A process that exits without closing its database (process.exit in a script, an uncaught error)
// still leaves no lock behind; a crash or SIGKILL does, and the next opener takes it over.
process.once("exit", () => {
  for (const [file, token] of heldHere) release(file, token);
});
