# syntax=docker/dockerfile:1
# One image for the API (default command), the worker (`bun workers/index.ts`) and the operator
# scripts (`bun run migrate:prod`, `db:restore`, `db:seed:prod`, `users:create-admin`): see
# docs/docker.md. Layers are ordered from the least to the most often changed, so a new commit
# rebuilds only the source layers and the build metadata.
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION}-slim AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:${BUN_VERSION}-slim AS runtime
# PostgreSQL client tools of the server's major version (compose runs postgres:16). migrate:staging
# and migrate:prod take a verified pg_dump backup before migrating and db:restore runs pg_restore;
# pg_dump refuses a server newer than itself, and Debian's own repository ships an older client, hence
# the PostgreSQL project's repository (its key fetched over HTTPS, trusted for that repository only).
ARG PG_MAJOR=16
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl \
  && install -d /usr/share/postgresql-common/pgdg \
  && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
  && . /etc/os-release \
  && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" \
    > /etc/apt/sources.list.d/pgdg.list \
  && apt-get update \
  && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
  && apt-get purge -y curl \
  && apt-get autoremove -y \
  && rm -rf /var/lib/apt/lists/* \
  && pg_dump --version && pg_restore --version

WORKDIR /app
# Migration backups (BACKUP_DIR); compose mounts a volume here, which takes this owner.
RUN mkdir -p /app/backups && chown bun:bun /app/backups
COPY --from=deps --chown=bun:bun /app/node_modules ./node_modules
COPY --chown=bun:bun package.json bun.lock tsconfig.json drizzle.config.ts ./
COPY --chown=bun:bun drizzle ./drizzle
COPY --chown=bun:bun src ./src
COPY --chown=bun:bun workers ./workers
# The dashboard's sources: bundled in memory on the first request to /dashboard (DASHBOARD_ENABLED).
COPY --chown=bun:bun dashboard ./dashboard
COPY --chown=bun:bun scripts ./scripts

# HOST: the bare process binds loopback by default; in a container the port must be reachable.
ENV NODE_ENV=production PORT=3001 HOST=0.0.0.0 BACKUP_DIR=/app/backups
# Build metadata last: a new commit changes only this layer (reported by /api/system/version), e.g.
#   docker build --build-arg GIT_SHA=$(git rev-parse HEAD) --build-arg BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
ARG GIT_SHA=unknown
ARG BUILD_TIME=
ENV GIT_SHA=${GIT_SHA} BUILD_TIME=${BUILD_TIME}

USER bun
EXPOSE 3001
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD bun -e "const r = await fetch('http://127.0.0.1:' + (process.env.PORT ?? 3001) + '/api/system/health'); process.exit(r.ok ? 0 : 1)"
CMD ["bun", "src/index.ts"]
