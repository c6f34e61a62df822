import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_DOC_PATH, renderConfigDoc } from "../../scripts/lib/config-doc";
import { envSchema } from "../../src/config/env";

const ROOT = join(import.meta.dir, "../..");

describe("docs/configuration.md", () => {
  test("is what `bun run docs:config` writes from the env schema (run it after changing a variable)", () => {
    const committed = readFileSync(join(ROOT, CONFIG_DOC_PATH), "utf8");
    expect(committed).toBe(renderConfigDoc());
  });

  test(".env.example has a line for every variable of the schema and none for unknown ones", () => {
    const example = readFileSync(join(ROOT, ".env.example"), "utf8");
    const listed = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const known = Object.keys(envSchema.shape);
    expect({
      missing: known.filter((k) => !listed.includes(k)),
      unknown: listed.filter((k) => !known.includes(k!)),
    }).toEqual({ missing: [], unknown: [] });
  });
});
