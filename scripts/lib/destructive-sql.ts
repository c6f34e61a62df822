// Statements that can lose data: production refuses them unless --allow-destructive is given. The
// check is textual and deliberately over-eager (any column type change counts as a possible
// narrowing): a false alarm costs a flag, a miss costs data.

export interface DestructiveFinding {
  migration: string;
  reason: string;
  statement: string;
}

/** Comments and string literals removed, so `COMMENT ... 'drop table'` or `-- TRUNCATE` do not count. */
function codeOnly(statement: string): string {
  return statement
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "''");
}

const RULES: { reason: string; test: (sql: string) => boolean }[] = [
  { reason: "DROP TABLE", test: (s) => /\bDROP\s+TABLE\b/i.test(s) },
  { reason: "DROP SCHEMA", test: (s) => /\bDROP\s+SCHEMA\b/i.test(s) },
  { reason: "DROP COLUMN", test: (s) => /\bDROP\s+COLUMN\b/i.test(s) || dropsColumnWithoutKeyword(s) },
  { reason: "TRUNCATE", test: (s) => /\bTRUNCATE\b/i.test(s) },
  {
    reason: "column type change (possible narrowing)",
    test: (s) => /\bALTER\s+COLUMN\s+(?:"(?:[^"]|"")+"|[\w$]+)\s+(?:SET\s+DATA\s+)?TYPE\b/i.test(s),
  },
  { reason: "DELETE without WHERE", test: (s) => /\bDELETE\s+FROM\b/i.test(s) && !/\bWHERE\b/i.test(s) },
];

/** `ALTER TABLE t DROP c` (COLUMN is optional in PostgreSQL), but not DROP CONSTRAINT / DEFAULT / NOT NULL. */
function dropsColumnWithoutKeyword(s: string): boolean {
  const m = /\bALTER\s+TABLE\b([\s\S]*)$/i.exec(s);
  if (!m) return false;
  // Actions are comma-separated at the top level: `ALTER TABLE t ADD x int, DROP y`.
  return m[1]!
    .split(",")
    .some(
      (action) =>
        /(?:^|\s)DROP\s+(?!CONSTRAINT\b|COLUMN\b|DEFAULT\b|NOT\s+NULL\b|IDENTITY\b|EXPRESSION\b)/i.test(
          action,
        ) && !/\bALTER\s+COLUMN\b/i.test(action),
    );
}

export function findDestructive(
  migrations: readonly { tag: string; statements: readonly string[] }[],
): DestructiveFinding[] {
  const findings: DestructiveFinding[] = [];
  for (const m of migrations) {
    for (const statement of m.statements) {
      const code = codeOnly(statement);
      for (const rule of RULES) {
        if (rule.test(code)) {
          findings.push({
            migration: m.tag,
            reason: rule.reason,
            statement: statement.replace(/\s+/g, " ").slice(0, 200),
          });
        }
      }
    }
  }
  return findings;
}
