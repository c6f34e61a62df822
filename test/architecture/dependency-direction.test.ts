import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// Which way dependencies point (docs/architecture.md#dependency-rules), checked over every .ts file:
// the core folders never import a domain module, and nothing under src/ imports the worker process.

const ROOT = resolve(import.meta.dir, "../..");

const CORE = ["src/auth", "src/config", "src/db", "src/jobs", "src/lib", "src/redis"];

interface Rule {
  name: string;
  /** Repository-relative path of the importing file. */
  appliesTo: (file: string) => boolean;
  /** Repository-relative path the import resolves to (no extension), or the bare specifier. */
  forbids: (target: string) => boolean;
}

const under = (dir: string) => (path: string) => path === dir || path.startsWith(`${dir}/`);

const RULES: Rule[] = [
  {
    name: "a core folder imports a domain module",
    appliesTo: (file) => CORE.some((dir) => under(dir)(file)),
    forbids: under("src/modules"),
  },
  {
    name: "src/ imports the worker process",
    appliesTo: under("src"),
    forbids: under("workers"),
  },
];

const SKIP_DIRS = new Set(["node_modules", ".git", ".data", "coverage", "backups", "dist"]);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.isSymbolicLink()) out.push(...tsFiles(path));
    } else if (entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
  return out;
}

// `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'\n]+)["']/g;

/** Every module specifier a file names, with comments removed so prose cannot match. */
export function specifiersOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1] as string);
}

/** Repository-relative target of a relative specifier, without its extension; bare names as they are. */
function resolveTarget(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.(ts|tsx|js)$/, "");
}

function violations(files: string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const rules = RULES.filter((r) => r.appliesTo(file));
    if (rules.length === 0) continue;
    for (const specifier of specifiersOf(readFileSync(join(ROOT, file), "utf8"))) {
      const target = resolveTarget(file, specifier);
      for (const rule of rules) {
        if (rule.forbids(target)) found.push(`${file} imports "${specifier}" (${rule.name})`);
      }
    }
  }
  return found.sort();
}

describe("dependency direction", () => {
  const files = tsFiles("");

  test("the files checked include the core, the modules and the worker", () => {
    expect(files).toContain("src/auth/middleware.ts");
    expect(files).toContain("src/modules/measures/measures.service.ts");
    expect(files).toContain("workers/index.ts");
  });

  test("no core folder imports src/modules, and nothing in src/ imports workers/", () => {
    expect(violations(files)).toEqual([]);
  });

  test("the check names the file and the import that break a rule", () => {
    expect(
      specifiersOf(
        `import { a } from "../modules/x/x.repo";\n// import "y"\nconst b = await import("../../workers/http");`,
      ),
    ).toEqual(["../modules/x/x.repo", "../../workers/http"]);
    const fake = (file: string, specifier: string) =>
      RULES.filter((r) => r.appliesTo(file) && r.forbids(resolveTarget(file, specifier))).map((r) => r.name);
    expect(fake("src/auth/auth.service.ts", "../modules/users/users.repo")).toEqual([
      "a core folder imports a domain module",
    ]);
    expect(fake("src/bootstrap.ts", "../workers/processors")).toEqual(["src/ imports the worker process"]);
    expect(fake("src/modules/users/users.service.ts", "../../auth/passwords")).toEqual([]);
    expect(fake("workers/index.ts", "../src/processors")).toEqual([]);
  });
});
