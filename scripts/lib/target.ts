import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, EnvError, loadConfig } from "../../src/config/env";
import { CliError } from "./cli";
import { parseEnvFile } from "./env-file";

// Which database a script talks to. Each target has its own file (.env.staging, …); when the file
// exists it defines the connection, and connection variables exported in the shell are ignored so
// that a stray DATABASE_URL cannot point a production command at another database. Without the
// file, the environment is used (CI and containers pass secrets that way). The package.json scripts
// run Bun with --no-env-file, so Bun's own automatic .env loading cannot leak a developer's .env in.

export const TARGETS = ["dev", "staging", "prod"] as const;
export type Target = (typeof TARGETS)[number];

const FILES: Record<Target, string[]> = {
  dev: [".env.dev", ".env"],
  staging: [".env.staging"],
  prod: [".env.prod", ".env.production"],
};

const CONNECTION_KEYS = /^(DATABASE_|DIRECT_DATABASE_URL$)/;

export interface ResolvedTarget {
  target: Target;
  config: Config;
  /** Where the settings came from: a file name or "environment". */
  origin: string;
}

export function isTarget(value: string | undefined): value is Target {
  return (TARGETS as readonly string[]).includes(value ?? "");
}

export function resolveTarget(
  target: Target,
  env: Record<string, string | undefined>,
  cwd: string,
): ResolvedTarget {
  const file = FILES[target].find((f) => existsSync(join(cwd, f)));
  let source: Record<string, string | undefined> = env;
  if (file) {
    const fromFile = parseEnvFile(readFileSync(join(cwd, file), "utf8"));
    const inherited = Object.fromEntries(Object.entries(env).filter(([k]) => !CONNECTION_KEYS.test(k)));
    source = { ...inherited, ...fromFile };
  }
  const origin = file ?? "environment";
  try {
    return { target, config: loadConfig(source), origin };
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    // One line per bad field, like the API's own start-up.
    throw new CliError(
      [`invalid configuration (${origin}):`, ...err.problems.map((p) => `  ${p}`)].join("\n"),
    );
  }
}
