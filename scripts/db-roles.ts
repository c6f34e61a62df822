// `bun run db:roles <dev|staging|prod> [--dry]`: creates or updates the runtime role the API and the
// worker connect as (DATABASE_URL's user and password) and its privileges, connected as the schema
// owner (DIRECT_DATABASE_URL). Idempotent; run it after every migration. See docs/security.md.
//
//   --dry   print the statements and the role's current privileges; change nothing
import type { Config } from "../src/config/env";
import { migrationStatus } from "../src/db/migrate";
import { ensureRuntimeRole, RuntimeRoleError } from "../src/db/roles";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { isTarget, resolveTarget } from "./lib/target";
import { openTargetDb } from "./lib/target-db";

const USAGE = `usage: bun scripts/db-roles.ts <dev|staging|prod> [--dry]
  creates or updates DATABASE_URL's role (the runtime role of the API and worker) and its grants,
  connected as DIRECT_DATABASE_URL's role (the schema owner, who runs the migrations)
  --dry   print the statements and the current privileges; change nothing`;

const OPTIONS = {
  dry: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The runtime role's name and password, from DATABASE_URL. */
function runtimeUser(config: Config): { role: string; password?: string } {
  if (!config.DATABASE_URL || !config.DIRECT_DATABASE_URL) {
    throw new CliError(
      "db:roles needs DIRECT_DATABASE_URL (the schema owner, who runs migrations) and DATABASE_URL " +
        "(the runtime role the API and worker use, which this creates or updates)",
    );
  }
  // Only the user part is read: a multi-host or PgBouncer URL is fine.
  const m = /^postgres(?:ql)?:\/\/([^@/]*)@/.exec(config.DATABASE_URL);
  const [user, password] = (m?.[1] ?? "").split(":");
  if (!user) throw new CliError("DATABASE_URL names no user: it should be the runtime role's");
  return { role: decodeURIComponent(user), password: password ? decodeURIComponent(password) : undefined };
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const target = positionals[0];
  if (positionals.length !== 1 || !isTarget(target)) throw new CliError(USAGE, EXIT_USAGE);
  const { config, origin } = resolveTarget(target, process.env, process.cwd());
  const { role, password } = runtimeUser(config);
  const db = await openTargetDb(target, config);
  try {
    if (db.kind !== "postgres" || !db.sql)
      throw new CliError("db:roles needs PostgreSQL, not the embedded database");
    say(
      `db:roles ${target}${values.dry ? " (dry run)" : ""}: runtime role ${role} on ${db.label}  [settings: ${origin}]`,
    );
    const status = await migrationStatus(db.db);
    if (!status.upToDate) {
      throw new CliError(
        `${status.pending.length} migration(s) pending: run \`bun run migrate:${target}\` first (the grants cover what exists)`,
      );
    }
    const report = await ensureRuntimeRole(
      db.sql,
      {
        role,
        password,
        statementTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
        auditRetentionDays: config.RETENTION_AUDIT_DAYS,
      },
      { dry: Boolean(values.dry) },
    ).catch((err) => {
      throw err instanceof RuntimeRoleError
        ? new CliError(`refusing: ${err.message}\nNothing was changed.`)
        : err;
    });
    say(`${values.dry ? "would run" : "ran"} as ${report.owner} on database ${report.database}:`);
    for (const s of report.statements) say(`  ${s};`);
    if (report.tables.length) {
      say(values.dry ? "current privileges:" : "privileges now:");
      for (const t of report.tables) say(`  ${t.name.padEnd(28)} ${t.privileges.join(", ") || "none"}`);
    }
    if (!values.dry)
      say(`runtime role ${role}: ${report.created ? "created" : "updated"}; no DDL, audit_log append-only`);
    return 0;
  } finally {
    await db.close();
  }
}

runCli(main);
