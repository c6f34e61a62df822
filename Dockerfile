# syntax=docker/dockerfile:1
# One image for the API (default command) and the worker (`bun workers/index.ts`).
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION}-slim AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production

FROM oven/bun:${BUN_VERSION}-slim AS runtime
WORKDIR /app
# HOST: the bare process binds loopback by default; in a container the port must be reachable.
ENV NODE_ENV=production PORT=3001 HOST=0.0.0.0
ARG GIT_SHA=unknown
ENV GIT_SHA=${GIT_SHA}
# e.g. --build-arg BUILD_TIME=$(date -u +%Y-%m-%dT%H:%M:%SZ); reported by /api/system/version
ARG BUILD_TIME=
ENV BUILD_TIME=${BUILD_TIME}
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock tsconfig.json drizzle.config.ts ./
COPY drizzle ./drizzle
COPY src ./src
COPY workers ./workers
# The dashboard's sources: bundled in memory on the first request to /dashboard (DASHBOARD_ENABLED).
COPY dashboard ./dashboard
COPY scripts ./scripts
RUN chown -R bun:bun /app
USER bun
EXPOSE 3001
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD bun -e "const r = await fetch('http://127.0.0.1:' + (process.env.PORT ?? 3001) + '/api/system/health'); process.exit(r.ok ? 0 : 1)"
CMD ["bun", "src/index.ts"]
