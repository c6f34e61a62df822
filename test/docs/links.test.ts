import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// The repository documents itself: nothing in it may point at files that live outside it (the design
// notes it was first built from), and every relative link of the README and docs/ must lead somewhere.

const ROOT = resolve(import.meta.dir, "../..");

// Built from parts so that this file does not match itself.
const OUTSIDE_REFERENCES = [
  ["..", "shared"].join("/"),
  ["", "work", "shared"].join("/"),
  // The design notes by name: none of them is in the repository.
  ["DOMAIN", "md"].join("."),
  ["SCALING-NOTES", "md"].join("."),
  ["ARCHITECTURE", "md"].join("."),
];

const SKIP_DIRS = new Set([".git", "node_modules", ".data", "coverage", "backups"]);

/** Tracked and untracked-but-not-ignored files, from git; a directory walk when git is unavailable. */
function repositoryFiles(): string[] {
  const git = Bun.spawnSync(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
  });
  if (git.exitCode === 0) {
    return (
      git.stdout
        .toString()
        .split("\0")
        // Files only: a worktree may hold an untracked node_modules symlink, which .gitignore's
        // "node_modules/" (a directory pattern) does not match.
        .filter((f) => f && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile())
    );
  }
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP_DIRS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(ROOT, path));
    }
  };
  walk(ROOT);
  return out;
}

function isText(buf: Buffer): boolean {
  return !buf.subarray(0, 8000).includes(0);
}

/** The Markdown pages whose links are checked. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

/** Markdown without fenced code blocks and inline code (links there are examples, not links). */
function proseOf(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of inline links and images: [text](target) and ![alt](target). */
function linksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const m of proseOf(markdown).matchAll(
    /!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
  )) {
    links.push(m[1]!);
  }
  return links;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor a page offers: its headings (duplicates numbered as GitHub does) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const m of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slugOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

describe("the repository documents itself", () => {
  test("no file refers to the design notes outside the repository", () => {
    const offenders: string[] = [];
    for (const file of repositoryFiles()) {
      const buf = readFileSync(join(ROOT, file));
      if (!isText(buf)) continue;
      const lines = buf.toString("utf8").split("\n");
      lines.forEach((line, i) => {
        const hit = OUTSIDE_REFERENCES.find((ref) => line.includes(ref));
        if (hit) offenders.push(`${file}:${i + 1}: ${hit}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  test("every relative link of README.md and docs/*.md leads to a file, and to a heading when it names one", () => {
    const broken: string[] = [];
    for (const page of pages()) {
      const text = readFileSync(join(ROOT, page), "utf8");
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
        const [pathPart = "", anchor] = link.split("#", 2);
        const target = pathPart === "" ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), pathPart);
        if (!existsSync(target)) {
          broken.push(`${page}: ${link} (no such file)`);
          continue;
        }
        if (anchor === undefined || !target.endsWith(".md") || statSync(target).isDirectory()) continue;
        if (!anchorsOf(readFileSync(target, "utf8")).has(decodeURIComponent(anchor))) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(ROOT, target)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test("the link checker sees links and anchors as it should", () => {
    expect(slugOf("A case's state on a day")).toBe("a-cases-state-on-a-day");
    expect(slugOf("`bun run bench`")).toBe("bun-run-bench");
    expect(slugOf("Where to add…")).toBe("where-to-add");
    expect(slugOf("cases.csv")).toBe("casescsv");
    expect(
      linksOf("see [a](b.md#c) and `[x](not-a-link.md)`\n```\n[y](nor-this.md)\n```\n![i](p.png)"),
    ).toEqual(["b.md#c", "p.png"]);
    expect([...anchorsOf('# One\n## One\n<a id="custom"></a>')]).toEqual(["one", "one-1", "custom"]);
  });
});
