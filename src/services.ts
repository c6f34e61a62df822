import type { AppDeps } from "./deps";
import { createAuthService } from "./modules/auth/auth.service";
import { createCasesService } from "./modules/cases/cases.service";
import { createCourtsService } from "./modules/courts/courts.service";
import { createImportsService } from "./modules/imports/imports.service";
import { createJudgesService } from "./modules/judges/judges.service";
import { createMeasureCache } from "./modules/measures/measures.cache";
import { createTimeStandardsService } from "./modules/time-standards/time-standards.service";
import { createUsersService } from "./modules/users/users.service";

/**
 * Every service of the API, built once per app (by createApp) from its deps and handed to the routers,
 * which take `Pick<Services, …>` of what they use. A service is `create<Name>Service(deps)`: one deps
 * object holding connections and the other services it calls. No I/O happens here.
 */
export function createServices(deps: AppDeps) {
  const { cache, config, logger, jobs, redis } = deps;
  const db = deps.db.db;
  // Token checks, sessions, scope resolution, rate limits: one for every router.
  const auth = createAuthService({ ...deps, db });
  const courts = createCourtsService({ db, cache });
  // An edit asks the worker (or the embedded runner) for the measure refresh it makes necessary.
  const timeStandards = createTimeStandardsService({ db, cache, jobs, logger });
  return {
    auth,
    courts,
    timeStandards,
    judges: createJudgesService({ db, cache, courts }),
    cases: createCasesService({ db, courts, timeStandards }),
    users: createUsersService({ db, auth }),
    // The measures' figures are plain functions of the database (measures.service.ts); their cache is here.
    measureCache: createMeasureCache(deps),
    imports: createImportsService({ db: deps.db, config, logger, jobs, redis }),
  };
}

export type Services = ReturnType<typeof createServices>;
