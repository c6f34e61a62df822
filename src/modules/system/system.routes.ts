import type { AppDeps } from "../../deps";
import { createRouter } from "../../lib/validation";
import { appVersion } from "../../lib/version";
import { createHealthService } from "./health.service";

export function systemRoutes(deps: AppDeps) {
  const health = createHealthService(deps);
  const router = createRouter();

  router.get("/health", async (c) => {
    const result = await health.quick();
    const body = { status: result.status, uptimeSeconds: result.uptimeSeconds, version: appVersion };
    return c.json(body, result.status === "down" ? 503 : 200);
  });

  return router;
}
