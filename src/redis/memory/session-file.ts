import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../../lib/logger";
import type { MemorySessionRecord } from "./session-manager";

// Embedded mode keeps sessions in the API process; in development they are also written to a file in
// DATA_DIR after every change, so a restart (`bun --watch` restarts at every save) does not log anyone
// out. Sessions are few and change at logins, refreshes and logouts, so the whole file is rewritten
// each time: written under a temporary name and renamed over the old one (a crash leaves one or the
// other, never half), readable by its owner only (the ids are credentials, with the access tokens).

interface SessionFile {
  version: 1;
  sessions: [string, MemorySessionRecord][];
}

function isRecord(v: unknown): v is MemorySessionRecord {
  const r = v as MemorySessionRecord;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.expiresAt === "number" &&
    typeof r.fields === "object" &&
    r.fields !== null &&
    Object.values(r.fields).every((f) => typeof f === "string")
  );
}

/** The live sessions of the file (none when it is missing or unreadable, which is said once). */
export function loadSessionFile(file: string, logger: Logger): Map<string, MemorySessionRecord> {
  const store = new Map<string, MemorySessionRecord>();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT")
      logger.warn({ file, err }, "cannot read the saved sessions: starting with none");
    return store;
  }
  try {
    const parsed = JSON.parse(text) as SessionFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.sessions)) throw new Error("unknown format");
    const now = Date.now();
    for (const [id, rec] of parsed.sessions) {
      if (typeof id === "string" && isRecord(rec) && rec.expiresAt > now) store.set(id, rec);
    }
  } catch (err) {
    logger.warn({ file, err }, "the saved sessions are unreadable: starting with none");
  }
  return store;
}

/** Writes the store to the file; a failure is logged, never thrown (the sessions still work in memory). */
export function sessionFileWriter(
  file: string,
  store: Map<string, MemorySessionRecord>,
  logger: Logger,
): () => void {
  let warned = false;
  return () => {
    const now = Date.now();
    const body: SessionFile = {
      version: 1,
      sessions: [...store].filter(([, rec]) => rec.expiresAt > now),
    };
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(tmp, JSON.stringify(body), { mode: 0o600 });
      renameSync(tmp, file);
      warned = false;
    } catch (err) {
      if (!warned) logger.warn({ file, err }, "cannot save the sessions: they will not survive a restart");
      warned = true;
    }
  };
}
