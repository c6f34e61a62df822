import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type postgres from "postgres";

// The runtime role: what the API and the worker connect as (DATABASE_URL). It owns nothing, so it
// cannot change the schema; it reads and writes rows; on audit_log it may only add and read. The
// schema owner (DIRECT_DATABASE_URL, the role that runs migrations) creates or updates it and its
// grants with `bun run db:roles`, idempotently: every run converges on the same privileges, and
// default privileges extend them to the tables and sequences later migrations create.

/** Tables whose rows the application may add and read but never change or remove. */
export const APPEND_ONLY_TABLES = ["audit_log"] as const;

/** Owner-run functions (drizzle/0011_least_privilege_maintenance.sql) the runtime role may call. */
export const RUNTIME_FUNCTIONS = [
  "public.courtflow_analyze(text[])",
  "public.courtflow_purge_audit_log(integer, integer)",
] as const;

export interface RuntimeRoleSpec {
  /** The runtime role (DATABASE_URL's user). */
  role: string;
  /** Its password (DATABASE_URL's), stored as a SCRAM verifier; undefined leaves it as it is. */
  password?: string;
  /** statement_timeout for the role in this database (what PgBouncer cannot pass per connection); 0 = none. */
  statementTimeoutMs: number;
  /** Audit rows younger than this are never purged by the application (RETENTION_AUDIT_DAYS). */
  auditRetentionDays: number;
}

export interface RuntimeRoleReport {
  owner: string;
  database: string;
  created: boolean;
  /** The statements run (or, dry, that would run), the password replaced by a placeholder. */
  statements: string[];
  /** What the privileges look like afterwards, from the catalog: a table per object. */
  tables: { name: string; privileges: string[] }[];
}

export class RuntimeRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeRoleError";
  }
}

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A SCRAM-SHA-256 verifier, as PostgreSQL stores it: the server never receives the password itself,
 * so it cannot end up in a statement log (the way psql's \password works). The password's bytes are
 * used as they are, as postgres.js does when it logs in (no SASLprep; the same for ASCII passwords).
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

interface Facts {
  owner: string;
  database: string;
  ownerIsSuper: boolean;
  ownerCanCreateRoles: boolean;
  role: null | { super: boolean; replication: boolean; bypassRls: boolean; memberOfOwner: boolean };
  ownedByRole: string[];
  functions: string[];
}

async function facts(sql: postgres.Sql, role: string): Promise<Facts> {
  const [me] = await sql<{ owner: string; database: string; super: boolean; createrole: boolean }[]>`
    select current_user as owner, current_database() as database, rolsuper as super, rolcreaterole as createrole
      from pg_roles where rolname = current_user`;
  const [r] = await sql<{ super: boolean; replication: boolean; bypass: boolean; member: boolean }[]>`
    select rolsuper as super, rolreplication as replication, rolbypassrls as bypass,
           pg_has_role(rolname, current_user, 'MEMBER') as member
      from pg_roles where rolname = ${role}`;
  const owned = r
    ? await sql<{ name: string }[]>`
        select n.nspname || '.' || c.relname as name from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
         where c.relowner = (select oid from pg_roles where rolname = ${role})
           and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_temp%'
           and n.nspname not like 'pg_toast%'
         order by 1`
    : [];
  const fns = await sql<{ name: string }[]>`
    select p.oid::regprocedure::text as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.proname in ('courtflow_analyze', 'courtflow_purge_audit_log')`;
  return {
    owner: me!.owner,
    database: me!.database,
    ownerIsSuper: me!.super,
    ownerCanCreateRoles: me!.super || me!.createrole,
    role: r
      ? { super: r.super, replication: r.replication, bypassRls: r.bypass, memberOfOwner: r.member }
      : null,
    ownedByRole: owned.map((o) => o.name),
    functions: fns.map((f) => f.name),
  };
}

/** Refusals: a role that could change the schema whatever is granted to it. */
function refusals(spec: RuntimeRoleSpec, f: Facts): string[] {
  const out: string[] = [];
  if (spec.role === f.owner) {
    out.push(
      `the runtime role (DATABASE_URL's user) is the schema owner ${f.owner} (DIRECT_DATABASE_URL's): ` +
        "give the API and worker a role of their own",
    );
  }
  if (!f.role && !f.ownerCanCreateRoles) {
    out.push(
      `role ${spec.role} does not exist and ${f.owner} may not create roles (CREATEROLE): have a DBA run ` +
        `CREATE ROLE ${ident(spec.role)} LOGIN PASSWORD '…'; then run this again`,
    );
  }
  if (f.role?.super)
    out.push(`role ${spec.role} is a superuser: it could change the schema whatever is granted`);
  if (f.role && !f.ownerIsSuper && (f.role.replication || f.role.bypassRls)) {
    out.push(`role ${spec.role} has REPLICATION or BYPASSRLS, which only a superuser can remove`);
  }
  if (f.role?.memberOfOwner && spec.role !== f.owner) {
    out.push(
      `role ${spec.role} is a member of the schema owner ${f.owner} and inherits its rights: ` +
        `REVOKE ${ident(f.owner)} FROM ${ident(spec.role)}`,
    );
  }
  if (f.ownedByRole.length > 0) {
    out.push(
      `role ${spec.role} owns ${f.ownedByRole.join(", ")} and could alter or drop them: ` +
        `ALTER … OWNER TO ${ident(f.owner)} (or REASSIGN OWNED BY ${ident(spec.role)} TO ${ident(f.owner)})`,
    );
  }
  const missing = RUNTIME_FUNCTIONS.filter(
    (fn) => !f.functions.includes(fn.replace("public.", "").replace(/, /g, ",")),
  );
  if (missing.length > 0) {
    out.push(
      `functions ${missing.join(", ")} are missing: migrate the database first (bun run migrate:<target>)`,
    );
  }
  return out;
}

function statements(spec: RuntimeRoleSpec, f: Facts, password: string | null): string[] {
  const role = ident(spec.role);
  const owner = ident(f.owner);
  const db = ident(f.database);
  const pw = password === null ? "" : ` PASSWORD ${literal(password)}`;
  const out: string[] = [];
  if (!f.role) out.push(`CREATE ROLE ${role} LOGIN NOCREATEDB NOCREATEROLE${pw}`);
  else if (f.ownerCanCreateRoles) out.push(`ALTER ROLE ${role} LOGIN NOCREATEDB NOCREATEROLE${pw}`);
  if (f.ownerIsSuper) out.push(`ALTER ROLE ${role} NOSUPERUSER NOREPLICATION NOBYPASSRLS`);
  if (f.ownerCanCreateRoles) {
    out.push(
      spec.statementTimeoutMs > 0
        ? `ALTER ROLE ${role} IN DATABASE ${db} SET statement_timeout = ${literal(`${spec.statementTimeoutMs}ms`)}`
        : `ALTER ROLE ${role} IN DATABASE ${db} RESET statement_timeout`,
    );
  }
  const appendOnly = APPEND_ONLY_TABLES.map((t) => `public.${ident(t)}`).join(", ");
  out.push(
    // Connect and temporary tables (the measure refresh stages its work in them), nothing else.
    `REVOKE ALL ON DATABASE ${db} FROM ${role}`,
    `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`,
    // PostgreSQL 15 no longer lets PUBLIC create in schema public; older databases did.
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    `REVOKE ALL ON SCHEMA public FROM ${role}`,
    `GRANT USAGE ON SCHEMA public TO ${role}`,
    // From nothing every run, so a privilege granted by hand earlier does not linger.
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`,
    `REVOKE UPDATE, DELETE ON ${appendOnly} FROM ${role}`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
    `REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM ${role}`,
    `GRANT EXECUTE ON FUNCTION ${RUNTIME_FUNCTIONS.join(", ")} TO ${role}`,
    // The health check reads which migrations are applied.
    `GRANT USAGE ON SCHEMA drizzle TO ${role}`,
    `GRANT SELECT ON drizzle.__drizzle_migrations TO ${role}`,
    // Tables and sequences the owner's later migrations create.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public REVOKE ALL ON TABLES FROM ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public REVOKE ALL ON SEQUENCES FROM ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
    // The floor below which the application's audit retention never deletes.
    "CREATE OR REPLACE FUNCTION public.courtflow_audit_retention_floor_days() RETURNS integer " +
      `LANGUAGE sql STABLE AS $$ SELECT ${Math.max(1, Math.floor(spec.auditRetentionDays))} $$`,
  );
  return out;
}

/** Privileges the role holds on each public table afterwards, read from the catalog. */
async function privilegesOf(sql: postgres.Sql, role: string): Promise<RuntimeRoleReport["tables"]> {
  const rows = await sql<{ name: string; privileges: string[] }[]>`
    select c.relname as name,
           array_remove(array[
             case when has_table_privilege(${role}, c.oid, 'SELECT') then 'SELECT' end,
             case when has_table_privilege(${role}, c.oid, 'INSERT') then 'INSERT' end,
             case when has_table_privilege(${role}, c.oid, 'UPDATE') then 'UPDATE' end,
             case when has_table_privilege(${role}, c.oid, 'DELETE') then 'DELETE' end,
             case when has_table_privilege(${role}, c.oid, 'TRUNCATE') then 'TRUNCATE' end,
             case when has_table_privilege(${role}, c.oid, 'REFERENCES') then 'REFERENCES' end,
             case when has_table_privilege(${role}, c.oid, 'TRIGGER') then 'TRIGGER' end
           ], null) as privileges
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p')
     order by 1`;
  return rows.map((r) => ({ name: r.name, privileges: r.privileges }));
}

/** What a correctly set-up runtime role may not do: schema changes anywhere, rewriting the audit log. */
async function verify(
  sql: postgres.Sql,
  role: string,
  tables: RuntimeRoleReport["tables"],
): Promise<string[]> {
  const problems: string[] = [];
  for (const t of tables) {
    const appendOnly = (APPEND_ONLY_TABLES as readonly string[]).includes(t.name);
    const wanted = appendOnly ? ["SELECT", "INSERT"] : ["SELECT", "INSERT", "UPDATE", "DELETE"];
    const extra = t.privileges.filter((p) => !wanted.includes(p));
    const missing = wanted.filter((p) => !t.privileges.includes(p));
    if (extra.length) problems.push(`${t.name}: has ${extra.join(", ")} (through PUBLIC or another role?)`);
    if (missing.length) problems.push(`${t.name}: lacks ${missing.join(", ")} (is the table the owner's?)`);
  }
  const [s] = await sql<{ schema: boolean; database: boolean }[]>`
    select has_schema_privilege(${role}, 'public', 'CREATE') as schema,
           has_database_privilege(${role}, current_database(), 'CREATE') as database`;
  if (s?.schema) problems.push("may CREATE in schema public");
  if (s?.database) problems.push("may CREATE schemas in the database");
  return problems;
}

/**
 * Creates or updates the runtime role and its privileges, in one transaction, as the schema owner;
 * then reads the privileges back from the catalog and fails when they are not exactly as intended
 * (a GRANT by someone who is not an object's owner only warns). `dry` reports without changing anything.
 */
export async function ensureRuntimeRole(
  sql: postgres.Sql,
  spec: RuntimeRoleSpec,
  opts: { dry?: boolean } = {},
): Promise<RuntimeRoleReport> {
  const f = await facts(sql, spec.role);
  const refused = refusals(spec, f);
  if (refused.length) throw new RuntimeRoleError(refused.join("\n"));
  const canSetPassword = spec.password !== undefined && f.ownerCanCreateRoles;
  const run = statements(spec, f, canSetPassword ? scramVerifier(spec.password!) : null);
  const shown = statements(spec, f, canSetPassword ? "<SCRAM verifier of the DATABASE_URL password>" : null);
  const report = { owner: f.owner, database: f.database, created: !f.role, statements: shown };
  if (opts.dry) return { ...report, tables: f.role ? await privilegesOf(sql, spec.role) : [] };
  await sql.begin(async (tx) => {
    for (const s of run) await tx.unsafe(s);
  });
  const tables = await privilegesOf(sql, spec.role);
  const problems = await verify(sql, spec.role, tables);
  if (problems.length) {
    throw new RuntimeRoleError(
      `role ${spec.role} does not have exactly the intended privileges:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  return { ...report, tables };
}
