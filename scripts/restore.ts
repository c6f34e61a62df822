// `bun run db:restore <file> [--target dev|staging|prod] --yes`: restores a backup taken by
// scripts/migrate.ts (pg_dump custom format) into the target database. See docs/operations.md.
//
// The archive is verified first (pg_restore --list); the restore drops and recreates the archive's
// objects in one transaction, so a failure leaves the target as it was.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describeUrl } from "../src/db/client";
import { explainConnectError, openDirectConnection } from "../src/db/direct";
import {
  CliError,
  confirmOnTerminal,
  EXIT_USAGE,
  formatBytes,
  formatMs,
  parseCli,
  runCli,
  say,
} from "./lib/cli";
import { findTool, restoreDatabase, serverVersionOf, verifyBackup } from "./lib/pg-tools";
import { isTarget, resolveTarget } from "./lib/target";
import { migrationUrlOf } from "./lib/target-db";

const USAGE = `usage: bun scripts/restore.ts <backup.dump> [options]
  --target <dev|staging|prod>   which database to restore into (default: dev)
  --yes                         confirm (without it, a terminal asks; anything else refuses)
  --pg-bin <dir>                where pg_restore lives (default: PATH)`;

const OPTIONS = {
  target: { type: "string" },
  yes: { type: "boolean" },
  "pg-bin": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const target = values.target ?? "dev";
  if (positionals.length !== 1 || !isTarget(target)) throw new CliError(USAGE, EXIT_USAGE);
  const file = resolve(positionals[0]!);
  if (!existsSync(file)) throw new CliError(`no such backup: ${file}`);

  // Scripts assemble their configuration source here and hand it to loadConfig (src/config/env.ts).
  const { config, origin } = resolveTarget(target, process.env, process.cwd());
  const url = migrationUrlOf(target, config);
  if (!url)
    throw new CliError(
      `no database for ${target}: set DIRECT_DATABASE_URL or DATABASE_URL (pg_restore needs PostgreSQL)`,
    );
  const label = describeUrl(url);

  const client = openDirectConnection(url, config, {
    applicationName: "courtflow-restore",
    connectTimeoutS: config.DATABASE_POOL_TIMEOUT_S,
  });
  try {
    const rows = await client`select current_setting('server_version_num')::int as n`.catch(async (err) => {
      throw new CliError(
        `cannot reach PostgreSQL at ${label}: ${await explainConnectError(err, url, config)}`,
      );
    });
    const server = serverVersionOf(Number(rows[0]!.n));
    const pgRestore = await findTool("pg_restore", server, values["pg-bin"]);
    const backup = await verifyBackup(pgRestore, file);
    say(
      `restore ${file} (${formatBytes(backup.bytes)}, ${backup.entries} entries) into ${target}: ${label}  [settings: ${origin}]`,
    );
    if (!values.yes && !confirmOnTerminal(`This replaces the backed-up objects in ${label}.`, target)) {
      throw new CliError("refusing: a restore needs confirmation (--yes). Nothing was changed.");
    }
    const started = performance.now();
    await restoreDatabase(pgRestore, url, config, file);
    const counts = await client<{ table: string; rows: number }[]>`
      select c.relname as table, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::int as rows
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
       order by c.relname`;
    say(`restored in ${formatMs(performance.now() - started)}; rows now:`);
    for (const c of counts) say(`  ${c.table.padEnd(28)} ${c.rows.toLocaleString("en-US")}`);
    return 0;
  } finally {
    await client.end({ timeout: 5 });
  }
}

runCli(main);
