import { describe, expect, test } from "bun:test";
import { findDestructive } from "../../scripts/lib/destructive-sql";
import { readMigrations } from "../../src/db/migrate";

const reasons = (...statements: string[]) => findDestructive([{ tag: "m", statements }]).map((f) => f.reason);

describe("destructive SQL detection", () => {
  test("flags dropped tables and columns, truncation, type changes and unbounded deletes", () => {
    expect(reasons('DROP TABLE "cases";')).toEqual(["DROP TABLE"]);
    expect(reasons('drop table if exists "x" cascade')).toEqual(["DROP TABLE"]);
    expect(reasons('ALTER TABLE "cases" DROP COLUMN "source_hash";')).toEqual(["DROP COLUMN"]);
    expect(reasons('ALTER TABLE "cases" DROP "source_hash";')).toEqual(["DROP COLUMN"]);
    expect(reasons('ALTER TABLE "cases" ADD COLUMN "x" int, DROP IF EXISTS "y";')).toEqual(["DROP COLUMN"]);
    expect(reasons("TRUNCATE audit_log;")).toEqual(["TRUNCATE"]);
    expect(reasons('ALTER TABLE "cases" ALTER COLUMN "case_number" SET DATA TYPE varchar(20);')).toEqual([
      "column type change (possible narrowing)",
    ]);
    expect(reasons("alter table cases alter column version type smallint")).toEqual([
      "column type change (possible narrowing)",
    ]);
    expect(reasons("DELETE FROM users;")).toEqual(["DELETE without WHERE"]);
    expect(reasons("DROP SCHEMA drizzle CASCADE;")).toEqual(["DROP SCHEMA"]);
  });

  test("leaves additive and constraint changes alone, and ignores comments and strings", () => {
    expect(reasons('ALTER TABLE "courts" ADD COLUMN "notes" text;')).toEqual([]);
    expect(reasons('ALTER TABLE "cases" DROP CONSTRAINT "cases_x_fk";')).toEqual([]);
    expect(reasons('ALTER TABLE "cases" ALTER COLUMN "status_on" DROP NOT NULL;')).toEqual([]);
    expect(reasons('ALTER TABLE "cases" ALTER COLUMN "version" DROP DEFAULT;')).toEqual([]);
    expect(reasons('DROP INDEX "cases_judge_idx";')).toEqual([]);
    expect(reasons("DELETE FROM users WHERE id = 1;")).toEqual([]);
    expect(reasons("-- we used to DROP TABLE here\nSELECT 1;")).toEqual([]);
    expect(reasons("COMMENT ON TABLE cases IS 'never truncate or drop table this';")).toEqual([]);
    expect(
      reasons('ALTER TABLE "a" ADD CONSTRAINT "f" FOREIGN KEY ("b") REFERENCES "c"("id") ON DELETE cascade;'),
    ).toEqual([]);
  });

  test("the committed migrations are not destructive", () => {
    expect(findDestructive(readMigrations())).toEqual([]);
  });

  test("findings name the migration and the statement", () => {
    const [f] = findDestructive([{ tag: "0042_cleanup", statements: ['DROP TABLE   "old_stuff";'] }]);
    expect(f).toEqual({
      migration: "0042_cleanup",
      reason: "DROP TABLE",
      statement: 'DROP TABLE "old_stuff";',
    });
  });
});
