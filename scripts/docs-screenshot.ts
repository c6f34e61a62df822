// bun run docs:screenshot [url] — regenerates docs/api-docs.png, the screenshot of the API reference
// (/api/docs) that docs/api.md shows. Headless Chromium through playwright-core.
//
// Without a URL it starts the API itself in embedded mode (PGlite, no Redis) in a temporary
// directory, on a free port, and stops it afterwards; with a URL it photographs that server.
// Chromium: CHROMIUM_PATH, else /usr/bin/chromium (Debian's package).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const OUT = resolve(import.meta.dir, "../docs/api-docs.png");
const ROOT = resolve(import.meta.dir, "..");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = server.port ?? 0;
  server.stop(true);
  return port;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    await Bun.sleep(250);
  }
}

/** The API in embedded mode in a throwaway directory; stop() ends it and removes the directory. */
async function startEmbedded(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "courtflow-docs-"));
  const port = freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? dir,
    NODE_ENV: "development",
    PORT: String(port),
    LOG_LEVEL: "warn",
    PGLITE_DIR: join(dir, "pglite"),
    BACKUP_DIR: join(dir, "backups"),
    JWT_SECRET: "docs-screenshot-throwaway-secret-0123456789",
  };
  const child = Bun.spawn(["bun", "--no-env-file", "src/index.ts"], {
    cwd: ROOT,
    env,
    stdout: "inherit",
    stderr: "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/api/openapi.json`, 120_000);
  } catch (err) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (!existsSync(chromiumPath)) {
  process.stderr.write(
    `Chromium not found at ${chromiumPath}: install it (apt-get install chromium) or set CHROMIUM_PATH\n`,
  );
  process.exit(1);
}

const given = process.argv[2];
const server = given ? { url: given.replace(/\/$/, ""), stop: async () => {} } : await startEmbedded();
const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/api/docs`, { waitUntil: "load", timeout: 120_000 });
  // Scalar renders the document client-side: wait for an operation of the document to show.
  await page.getByText("Log in with email and password").first().waitFor({ timeout: 120_000 });
  await page.screenshot({ path: OUT });
  process.stdout.write(`wrote ${OUT}\n`);
} finally {
  await browser.close();
  await server.stop();
}
