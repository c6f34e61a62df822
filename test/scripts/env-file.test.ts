import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnvFile } from "../../scripts/lib/env-file";
import { resolveTarget } from "../../scripts/lib/target";
import { ROOT, tempDir } from "../helpers/process";

describe(".env files of the operator scripts", () => {
  test("KEY=VALUE lines with comments, export and quotes", () => {
    const parsed = parseEnvFile(
      [
        "# a comment",
        "",
        "DATABASE_URL=postgres://u:p@db:5432/app   # trailing comment",
        "export BACKUP_DIR=/var/backups",
        'SEED_ADMIN_PASSWORD="has # hash and spaces"',
        "JWT_SECRET='single # quoted'",
        "EMPTY=",
        "DIRECT_DATABASE_URL=            # migrations (bypassing PgBouncer)",
        "not a line",
      ].join("\n"),
    );
    expect(parsed).toEqual({
      DATABASE_URL: "postgres://u:p@db:5432/app",
      BACKUP_DIR: "/var/backups",
      SEED_ADMIN_PASSWORD: "has # hash and spaces",
      JWT_SECRET: "single # quoted",
      EMPTY: "",
      DIRECT_DATABASE_URL: "",
    });
  });

  test(".env.example itself parses into a valid configuration", () => {
    const dir = tempDir("target-example");
    try {
      cpSync(join(ROOT, ".env.example"), join(dir, ".env.staging"));
      const { config } = resolveTarget("staging", {}, dir);
      expect(config.migrationDatabaseUrl).toBe(
        parseEnvFile(readFileSync(join(ROOT, ".env.example"), "utf8")).DATABASE_URL,
      );
      expect(config.BACKUP_DIR).toBe("backups");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the target's file defines the connection; shell connection variables do not leak in", () => {
    const dir = tempDir("target");
    try {
      writeFileSync(join(dir, ".env.staging"), "DATABASE_URL=postgres://staging-db:5432/courtflow\n");
      const env = {
        DATABASE_URL: "postgres://laptop:5432/dev",
        DIRECT_DATABASE_URL: "postgres://laptop:5432/direct",
        BACKUP_DIR: "/mnt/backups",
      };
      const staging = resolveTarget("staging", env, dir);
      expect(staging.origin).toBe(".env.staging");
      expect(staging.config.migrationDatabaseUrl).toBe("postgres://staging-db:5432/courtflow");
      // Non-connection settings still come from the environment when the file does not set them.
      expect(staging.config.BACKUP_DIR).toBe("/mnt/backups");

      const prod = resolveTarget("prod", env, dir);
      expect(prod.origin).toBe("environment");
      expect(prod.config.migrationDatabaseUrl).toBe("postgres://laptop:5432/direct");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bad value names the field and the file", () => {
    const dir = tempDir("target-bad");
    try {
      writeFileSync(join(dir, ".env.prod"), "DATABASE_URL=mysql://nope\nSEED_ADMIN_PASSWORD=short\n");
      expect(() => resolveTarget("prod", {}, dir)).toThrow(/invalid configuration \(\.env\.prod\)/);
      expect(() => resolveTarget("prod", {}, dir)).toThrow(
        /SEED_ADMIN_PASSWORD: must be at least 12 characters/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
