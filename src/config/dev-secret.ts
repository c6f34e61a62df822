import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "./env";

// Development without JWT_SECRET: a random secret per process logged everyone out at every restart
// (and `bun --watch` restarts at every save). One secret is generated once and kept in DATA_DIR,
// readable by its owner only; production still requires JWT_SECRET (config/env.ts).

export const DEV_SECRET_FILE = "jwt-secret";
const MIN_LENGTH = 32;

/** The development secret in `dir`, created (0600) on first use; two processes starting together agree. */
export function developmentSecret(dir: string): { secret: string; file: string; created: boolean } {
  const file = resolve(join(dir, DEV_SECRET_FILE));
  mkdirSync(dir, { recursive: true });
  let created = false;
  try {
    statSync(file);
  } catch {
    // Written whole under a temporary name, then linked into place: a racer either wins or reads ours.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${randomBytes(48).toString("base64url")}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, file);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < MIN_LENGTH) {
    throw new Error(
      `${file} holds no usable secret (under ${MIN_LENGTH} characters): delete it to have a new one made`,
    );
  }
  // Someone loosened it (a copy, an editor): it signs every token, so owner-only again.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { secret, file, created };
}

/**
 * For the API process: in development without JWT_SECRET, the secret kept in DATA_DIR instead of a
 * per-process one. Falls back to the random secret (with a warning) when DATA_DIR cannot be written.
 */
export function withDevelopmentSecret(config: Config): Config {
  if (config.JWT_SECRET || config.NODE_ENV !== "development") return config;
  const others = config.warnings.filter((w) => !w.startsWith("JWT_SECRET"));
  try {
    const { secret, file, created } = developmentSecret(config.DATA_DIR);
    return {
      ...config,
      jwtSecret: secret,
      warnings: [
        ...others,
        `JWT_SECRET is not set: using the development secret ${created ? "just created in" : "kept in"} ${file}, so logins survive restarts (production requires JWT_SECRET)`,
      ],
    };
  } catch (err) {
    return {
      ...config,
      warnings: [
        ...others,
        `JWT_SECRET is not set and no development secret could be kept in ${config.DATA_DIR} (${(err as Error).message}): using a random per-process secret; tokens will not survive a restart`,
      ],
    };
  }
}
