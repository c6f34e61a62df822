import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../helpers/process";

// No Docker engine runs on these machines, so the container path is checked by reading its files:
// what an operator gets from `docker compose up` and `docker compose run --rm migrate …`.

// biome-ignore lint/suspicious/noExplicitAny: a parsed compose file is checked field by field.
type Json = Record<string, any>;

const composeText = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
const compose = parse(composeText, { merge: true }) as Json;
const services = compose.services as Record<string, Json>;
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
/** Dockerfile instructions, continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** The ARG defaults of the Dockerfile (global and per stage; the last one wins, enough here). */
const args = Object.fromEntries(
  instructions.flatMap((l) => {
    const m = /^ARG (\w+)=(\S*)$/.exec(l);
    return m ? [[m[1]!, m[2]!]] : [];
  }),
);
const resolveArgs = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? "");

// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation, as written in the file.
const APP_IMAGE = "courtflow:${COURTFLOW_TAG:-local}";
const ONE_SHOT = ["migrate", "roles", "admin"];
const longRunning = Object.keys(services).filter((n) => !ONE_SHOT.includes(n));
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY\b/;

describe("docker-compose.yml", () => {
  test("every image is pinned to a version (at least a major); the app services share the Dockerfile's image", () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.build) {
        expect({ name, image: s.image, context: s.build.context }).toEqual({
          name,
          image: APP_IMAGE,
          context: ".",
        });
        continue;
      }
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[\w./-]+:v?\d+(\.\d+){0,2}$/),
      });
    }
    expect(
      Object.keys(services)
        .filter((n) => services[n]!.build)
        .sort(),
    ).toEqual(["admin", "api", "migrate", "roles", "worker"]);
  });

  test("every long-running service has a healthcheck and restarts unless stopped; the one-shots do not restart", () => {
    expect(longRunning.sort()).toEqual([
      "api",
      "grafana",
      "postgres",
      "prometheus",
      "redis",
      "redis-cache",
      "worker",
    ]);
    for (const name of longRunning) {
      const s = services[name]!;
      expect({ name, test: Array.isArray(s.healthcheck?.test) }).toEqual({ name, test: true });
      expect({ name, restart: s.restart }).toEqual({ name, restart: "unless-stopped" });
    }
    for (const name of ONE_SHOT) expect(services[name]!.restart).toBe("no");
  });

  test("no secret has a default: JWT_SECRET, the admin's and the databases' passwords are required", () => {
    // `${NAME:-value}` / `${NAME-value}` with a non-empty value, for a secret-looking NAME.
    const defaults = [...composeText.matchAll(/\$\{(\w+):?-([^}]*)\}/g)].filter(
      ([, name, value]) => SECRET_NAME.test(name!) && value !== "",
    );
    expect(defaults.map((m) => m[0])).toEqual([]);
    for (const name of [
      "JWT_SECRET",
      "SEED_ADMIN_PASSWORD",
      "POSTGRES_PASSWORD",
      "APP_DB_PASSWORD",
      "REDIS_PASSWORD",
      "METRICS_TOKEN",
    ]) {
      expect({ name, required: new RegExp(`\\$\\{${name}:\\?[^}]+\\}`).test(composeText) }).toEqual({
        name,
        required: true,
      });
    }
    // Every environment value that is, or carries, a secret comes from a required variable.
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries((s.environment ?? {}) as Record<string, string>)) {
        const url = /^[a-z]+:\/\/[^:/@]*:([^@]+)@/.exec(String(value));
        if (url)
          expect({ name, key, password: url[1] }).toEqual({
            name,
            key,
            password: expect.stringMatching(/^\$\{\w+:\?/),
          });
        if (/PASSWORD$|^JWT_SECRET$/.test(key))
          expect({ name, key, value }).toEqual({
            name,
            key,
            value: expect.stringMatching(/^\$\{\w+:\?[^}]+\}$/),
          });
      }
    }
  });

  test("PostgreSQL and Redis publish no host port, Redis runs unprivileged; monitoring listens on loopback only", () => {
    expect(services.postgres!.ports).toBeUndefined();
    expect(services.redis!.ports).toBeUndefined();
    expect(services["redis-cache"]!.ports).toBeUndefined();
    // The cache's Redis evicts when full; the queue's never does.
    expect(services["redis-cache"]!.command).toEqual(
      expect.arrayContaining(["--maxmemory-policy", "allkeys-lru"]),
    );
    // With password and noeviction; redis-server first, so the image's entrypoint drops root.
    expect(services.redis!.command.slice(0, 3)).toEqual(["redis-server", "--maxmemory-policy", "noeviction"]);
    for (const name of ["prometheus", "grafana"]) {
      for (const p of services[name]!.ports as string[]) expect(p).toStartWith("127.0.0.1:");
    }
  });

  test("start order: postgres healthy → migrate → roles and admin → api; the worker after roles, with Redis", () => {
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(services.roles!.depends_on).toEqual({ migrate: { condition: "service_completed_successfully" } });
    expect(services.admin!.depends_on).toEqual({ migrate: { condition: "service_completed_successfully" } });
    expect(services.api!.depends_on).toEqual({
      roles: { condition: "service_completed_successfully" },
      admin: { condition: "service_completed_successfully" },
      redis: { condition: "service_healthy" },
      "redis-cache": { condition: "service_healthy" },
    });
    expect(services.worker!.depends_on).toMatchObject({
      roles: { condition: "service_completed_successfully" },
      redis: { condition: "service_healthy" },
    });
  });

  test("the API and the worker connect as the runtime role; migrations, roles and seeds as the schema owner", () => {
    const user = (url: string) => new URL(url.replace(/\$\{[^}]+\}/g, "x")).username;
    for (const name of ["api", "worker"]) {
      expect({ name, user: user(services[name]!.environment.DATABASE_URL) }).toEqual({
        name,
        user: "courtflow_app",
      });
      expect(services[name]!.environment.DIRECT_DATABASE_URL).toBeUndefined();
    }
    for (const name of ["migrate", "roles", "admin"]) {
      expect({ name, owner: user(services[name]!.environment.DIRECT_DATABASE_URL) }).toEqual({
        name,
        owner: "courtflow",
      });
    }
    expect(services.roles!.command).toEqual(["bun", "run", "db:roles", "prod"]);
  });

  test("migrate runs the production migration with its backups kept in a volume; admin seeds the first admin", () => {
    expect(services.migrate!.command).toEqual(["bun", "run", "migrate:prod", "--yes"]);
    expect(services.migrate!.volumes).toEqual(["backups:/app/backups"]);
    expect(services.migrate!.environment.BACKUP_DIR).toBe("/app/backups");
    expect(services.admin!.command).toEqual(["bun", "run", "db:seed:prod"]);
    expect(Object.keys(services.admin!.environment)).toEqual(
      expect.arrayContaining(["SEED_ADMIN_EMAIL", "SEED_ADMIN_PASSWORD", "DATABASE_URL"]),
    );
    const scripts = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Json).scripts;
    for (const s of ["migrate:prod", "db:seed:prod", "db:restore", "migrate:staging", "users:create-admin"])
      expect(scripts[s]).toBeDefined();
  });

  test("the migrate image has pg_dump and pg_restore of the PostgreSQL service's major version", () => {
    const serverMajor = Number(/^postgres:(\d+)/.exec(services.postgres!.image)![1]);
    expect(Number(args.PG_MAJOR)).toBe(serverMajor);
    const install = instructions.find((l) => l.startsWith("RUN ") && l.includes("postgresql-client-"))!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's ARG, as written there.
    expect(install).toContain('"postgresql-client-${PG_MAJOR}"');
    // The build fails if the tools are not there.
    expect(install).toContain("pg_dump --version && pg_restore --version");
    // The API and the worker run the same image as migrate.
    for (const name of ["api", "worker", "admin"])
      expect(services[name]!.image).toBe(services.migrate!.image);
  });

  test("the monitoring profile: Prometheus with the shipped config and rules, Grafana provisioned with the dashboard", () => {
    for (const name of ["prometheus", "grafana"]) expect(services[name]!.profiles).toEqual(["monitoring"]);
    const mounts = (name: string) =>
      Object.fromEntries(
        (services[name]!.volumes as string[])
          .filter((v) => v.startsWith("./"))
          .map((v) => {
            const [from, to] = v.split(":");
            return [to!, from!];
          }),
      );
    const prom = mounts("prometheus");
    expect(prom["/etc/prometheus/prometheus.yml"]).toBe("./observability/prometheus.yml");
    const promConfig = parse(readFileSync(join(ROOT, "observability/prometheus.yml"), "utf8")) as Json;
    // Rule files resolve beside the config file.
    for (const rules of promConfig.rule_files as string[])
      expect(prom[`/etc/prometheus/${rules}`]).toBe(`./observability/${rules}`);
    // Every scrape target is a compose service on the port it listens on.
    const targets = (promConfig.scrape_configs as Json[]).flatMap((c) =>
      c.static_configs.flatMap((s: Json) => s.targets),
    );
    expect(targets).toEqual(["api:3001", "worker:3002"]);
    expect(services.worker!.environment.WORKER_PORT).toBe("3002");

    const graf = mounts("grafana");
    expect(graf["/etc/grafana/provisioning"]).toBe("./observability/grafana/provisioning");
    const datasource = parse(
      readFileSync(join(ROOT, "observability/grafana/provisioning/datasources/prometheus.yml"), "utf8"),
    ) as Json;
    expect(datasource.datasources).toEqual([
      expect.objectContaining({ type: "prometheus", url: "http://prometheus:9090", isDefault: true }),
    ]);
    const provider = parse(
      readFileSync(join(ROOT, "observability/grafana/provisioning/dashboards/courtflow.yml"), "utf8"),
    ) as Json;
    const dashboardDir = provider.providers[0].options.path as string;
    expect(graf[`${dashboardDir}/courtflow.json`]).toBe("./observability/grafana-dashboard.json");
    for (const from of [...Object.values(prom), ...Object.values(graf)])
      expect(existsSync(join(ROOT, from))).toBe(true);
  });
});

describe("Dockerfile and .dockerignore", () => {
  test(".dockerignore keeps dependencies, local data, secrets, coverage, backups, results and git out", () => {
    expect(ignore).toEqual(
      expect.arrayContaining([
        "node_modules",
        ".data",
        ".env*",
        "coverage",
        "backups",
        "bench/results",
        ".git",
      ]),
    );
  });

  test("base images pinned by version; dependencies installed from the lockfile before the sources", () => {
    const froms = instructions.filter((l) => l.startsWith("FROM ")).map((l) => resolveArgs(l.split(" ")[1]!));
    for (const image of froms) expect(image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+(-[\w]+)?$/);
    expect(instructions).toContain("RUN bun install --frozen-lockfile --production");
  });

  test("build metadata after every dependency and source layer; COPY --chown, no chown -R layer; a non-root user", () => {
    const runtime = instructions.slice(instructions.findIndex((l) => / AS runtime$/.test(l)));
    const lastCopy = runtime.findLastIndex((l) => l.startsWith("COPY "));
    const lastRun = runtime.findLastIndex((l) => l.startsWith("RUN "));
    for (const arg of ["GIT_SHA", "BUILD_TIME"]) {
      const at = runtime.findIndex((l) => l.startsWith(`ARG ${arg}`));
      expect({ arg, afterLayers: at > lastCopy && at > lastRun }).toEqual({ arg, afterLayers: true });
    }
    expect(dockerfile).not.toMatch(/chown -R/);
    for (const copy of runtime.filter((l) => l.startsWith("COPY ")))
      expect(copy).toContain("--chown=bun:bun");
    const user = runtime.indexOf("USER bun");
    expect(user).toBeGreaterThan(lastRun);
    expect(runtime.some((l) => l.startsWith("HEALTHCHECK "))).toBe(true);
  });

  test("everything the image copies exists and is not excluded from the build context", () => {
    const copied = instructions
      .filter((l) => l.startsWith("COPY ") && !l.includes("--from="))
      .flatMap((l) =>
        l
          .split(/\s+/)
          .slice(1, -1)
          .filter((w) => !w.startsWith("--")),
      );
    expect(copied.length).toBeGreaterThan(5);
    for (const path of copied) {
      expect({ path, exists: existsSync(join(ROOT, path)) }).toEqual({ path, exists: true });
      expect({ path, ignored: ignore.includes(path) }).toEqual({ path, ignored: false });
    }
  });
});
