import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "../../config/env";
import type { Lifecycle } from "../../deps";
import { appName, appVersion } from "../../lib/version";

const ROOT = resolve(import.meta.dir, "../../..");

export interface VersionInfo {
  name: string;
  version: string;
  commit: string | null;
  buildTime: string | null;
  bunVersion: string;
  environment: string;
  startedAt: string;
}

/** The checkout's HEAD when running from a git working tree (development); null in an image. */
export function gitCommit(root = ROOT): string | null {
  if (!existsSync(join(root, ".git"))) return null;
  try {
    const out = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: root, timeout: 2000, stderr: "ignore" });
    const sha = out.success ? out.stdout.toString().trim() : "";
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/**
 * What is running. Images carry GIT_SHA and BUILD_TIME as build args; a developer's checkout falls
 * back to git. Resolved once, on first use, so building the app does no I/O.
 */
export function versionResolver(
  config: Pick<Config, "GIT_SHA" | "BUILD_TIME" | "NODE_ENV">,
  lifecycle: Pick<Lifecycle, "startedAt">,
): () => VersionInfo {
  let info: VersionInfo | null = null;
  return () => {
    info ??= {
      name: appName,
      version: appVersion,
      commit: config.GIT_SHA && config.GIT_SHA !== "unknown" ? config.GIT_SHA : gitCommit(),
      buildTime: config.BUILD_TIME ?? null,
      bunVersion: Bun.version,
      environment: config.NODE_ENV,
      startedAt: lifecycle.startedAt.toISOString(),
    };
    return info;
  };
}
