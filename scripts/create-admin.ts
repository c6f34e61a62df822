// `bun run users:create-admin -- --email <email> [--name <name>] [--password-stdin] [--target dev|staging|prod]`
//
// Creates an admin in the target's database (the same settings as migrate:* and db:seed:*: .env for
// dev, .env.staging, .env.prod, or the environment). The password comes from stdin (--password-stdin),
// else SEED_ADMIN_PASSWORD, else one is generated and shown once. An existing email is left as it is:
// exit 0 when it is already an active admin, 1 otherwise, saying what it is.
import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../src/auth/passwords";
import { migrationStatus } from "../src/db/migrate";
import { createAdmin } from "../src/db/seed/admin";
import { CliError, EXIT_USAGE, parseCli, runCli, say } from "./lib/cli";
import { isTarget, resolveTarget } from "./lib/target";
import { openTargetHandle } from "./lib/target-db";

const USAGE = `usage: bun run users:create-admin -- --email <email> [options]
  --email <email>      the admin's login (default: SEED_ADMIN_EMAIL)
  --name <name>        shown in the dashboard (default: Administrator)
  --password-stdin     read the password from standard input (default: SEED_ADMIN_PASSWORD, else a
                       generated one, shown once)
  --target <t>         dev (default: .env), staging (.env.staging) or prod (.env.prod); without the
                       file, the environment (containers)`;

const OPTIONS = {
  email: { type: "string" },
  name: { type: "string" },
  "password-stdin": { type: "boolean" },
  target: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function passwordFrom(
  stdin: boolean,
  env: string | undefined,
): Promise<{ password: string; generated: boolean }> {
  if (stdin) {
    const text = await new Response(Bun.stdin.stream()).text();
    return { password: text.replace(/\r?\n$/, ""), generated: false };
  }
  if (env) return { password: env, generated: false };
  return {
    password: Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url"),
    generated: true,
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseCli(Bun.argv.slice(2), OPTIONS, USAGE);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const target = values.target ?? "dev";
  if (positionals.length > 0 || !isTarget(target)) throw new CliError(USAGE, EXIT_USAGE);
  const { config, origin } = resolveTarget(target, process.env, process.cwd());
  const email = values.email ?? config.SEED_ADMIN_EMAIL;
  if (!email) throw new CliError(`--email is required (or SEED_ADMIN_EMAIL)\n\n${USAGE}`, EXIT_USAGE);
  if (!z.email().safeParse(email).success)
    throw new CliError(`--email: "${email}" is not an email address`, EXIT_USAGE);
  const { password, generated } = await passwordFrom(
    Boolean(values["password-stdin"]),
    config.SEED_ADMIN_PASSWORD,
  );
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new CliError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`, EXIT_USAGE);

  const handle = await openTargetHandle(target, config);
  try {
    say(
      `target: ${handle.kind === "pglite" ? `embedded PGlite ${handle.target}` : handle.target}  [settings: ${origin}]`,
    );
    const status = await migrationStatus(handle.db);
    if (!status.upToDate) {
      throw new CliError(
        `${handle.target} has ${status.pending.length} pending migration(s): run \`bun run ${handle.kind === "pglite" ? "db:migrate" : `migrate:${target}`}\` first`,
      );
    }
    const r = await createAdmin(handle, { email, name: values.name ?? "Administrator", password });
    if (r.created) {
      say(`admin created: ${email} (id ${r.id})`);
      if (generated) say(`password (shown only now): ${password}`);
      return 0;
    }
    if (r.role === "admin" && r.active) {
      say(`${email} is already an active admin (id ${r.id}): nothing changed`);
      return 0;
    }
    throw new CliError(
      `${email} already exists (id ${r.id}) as ${r.active ? "an active" : "an inactive"} ${r.role}: nothing changed. ` +
        "An admin can change it (PATCH /api/users/{id}), or choose another email.",
    );
  } finally {
    await handle.close();
  }
}

runCli(main);
