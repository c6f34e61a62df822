import { type CourtIds, intersectCourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import type { CaseType } from "../../db/schema/enums";
import { encodeCursor } from "../../lib/cursor";
import { daysBetween, isIsoDate, todayIso } from "../../lib/dates";
import { AppError } from "../../lib/errors";
import type { CourtsService } from "../courts/courts.service";
import type { TimeStandardsService } from "../time-standards/time-standards.service";
import { caseAgeAt } from "./cases.age";
import { type CaseFilters, type CasePageRow, hasAgeFilter } from "./cases.query";
import {
  caseExistsInScope,
  countCases,
  findCaseDetail,
  selectActivities,
  selectCasePage,
} from "./cases.repo";
import type { CaseCursorValue, CaseSort, ListCasesInput } from "./cases.schemas";

export type CaseListQuery = Omit<ListCasesInput, "format" | "cursor" | "includeTotal">;

export interface CaseSummaryJson extends Omit<CasePageRow, "ageBase" | "caseKey"> {
  ageDays: number | null;
  overStandard: boolean | null;
}

const badCursor = () =>
  AppError.validation([{ path: "query.cursor", message: "is not a cursor for this sort" }]);

/** A cursor must come from the same sort, and its key must have that sort's type. */
function checkCursor(sort: CaseSort, cursor: CaseCursorValue | null): CaseCursorValue | null {
  if (!cursor) return null;
  if (cursor.s !== sort) throw badCursor();
  const age = sort === "ageDays" || sort === "-ageDays";
  if (cursor.k === null) {
    if (!age) throw badCursor();
  } else if (sort !== "caseNumber" && !isIsoDate(cursor.k)) throw badCursor();
  if (cursor.i === 0 && cursor.k !== null) throw badCursor();
  return cursor;
}

export function createCasesService({
  db,
  courts,
  timeStandards: standards,
}: {
  db: Database;
  courts: CourtsService;
  timeStandards: TimeStandardsService;
}) {
  async function filtersFor(q: CaseListQuery, scope: CourtIds): Promise<CaseFilters> {
    const subtree = q.courtId === undefined ? null : await courts.subtree(q.courtId);
    return {
      ...q,
      courtIds: intersectCourtIds(scope, subtree),
      today: todayIso(),
      maxDays: await standards.maxDaysByCaseType(),
    };
  }

  function toJson(f: CaseFilters, r: CasePageRow): CaseSummaryJson {
    const { ageBase, caseKey: _, ...rest } = r;
    const ageDays = ageBase === null ? null : daysBetween(ageBase, f.today);
    const limit = f.maxDays[r.caseType as CaseType];
    return {
      ...rest,
      ageDays,
      overStandard: ageDays === null || limit === undefined ? null : ageDays > limit,
    };
  }

  /**
   * One page in sort order. Age sorts list the aged cases first; when those run out the same page is
   * filled from the cases without an age (by id), and the cursor says which part comes next.
   */
  async function page(f: CaseFilters, sort: CaseSort, cursor: CaseCursorValue | null, limit: number) {
    const keyOf = (r: CasePageRow): string =>
      sort === "caseNumber" ? r.caseKey : sort === "filedOn" || sort === "-filedOn" ? r.filedOn : r.ageBase!;
    const ageSort = sort === "ageDays" || sort === "-ageDays";
    const rows: CasePageRow[] = [];
    if (!ageSort || cursor?.k !== null) {
      const got = await selectCasePage(db, f, sort, ageSort ? "aged" : "all", cursor, limit + 1);
      if (got.length > limit) {
        const shown = got.slice(0, limit);
        const last = shown[limit - 1]!;
        return { rows: shown, next: { s: sort, k: keyOf(last), i: last.id } };
      }
      rows.push(...got);
      // Cases with an age filter all have an age: there is no second part.
      if (!ageSort || hasAgeFilter(f)) return { rows, next: null };
    }
    const restCursor = cursor?.k === null ? cursor : null;
    const room = limit - rows.length;
    const rest = await selectCasePage(db, f, sort, "rest", restCursor, room + 1);
    if (rest.length > room) {
      rows.push(...rest.slice(0, room));
      const lastId = room > 0 ? rest[room - 1]!.id : (restCursor?.i ?? 0);
      return { rows, next: { s: sort, k: null, i: lastId } };
    }
    rows.push(...rest);
    return { rows, next: null };
  }

  return {
    filtersFor,

    async list(
      q: CaseListQuery,
      scope: CourtIds,
      opts: { cursor?: CaseCursorValue; includeTotal?: boolean },
    ) {
      const f = await filtersFor(q, scope);
      const cursor = checkCursor(q.sort, opts.cursor ?? null);
      const [result, total] = await Promise.all([
        page(f, q.sort, cursor, q.limit),
        opts.includeTotal ? countCases(db, f) : Promise.resolve(undefined),
      ]);
      return {
        data: result.rows.map((r) => toJson(f, r)),
        nextCursor: result.next ? encodeCursor(result.next) : null,
        ...(total === undefined ? {} : { total }),
      };
    },

    /** Batches for the CSV export: the same pages, pulled one after another as the client reads. */
    async *batches(q: CaseListQuery, scope: CourtIds, batchSize: number): AsyncGenerator<CaseSummaryJson[]> {
      const f = await filtersFor(q, scope);
      let cursor: CaseCursorValue | null = null;
      do {
        const result = await page(f, q.sort, cursor, batchSize);
        if (result.rows.length > 0) yield result.rows.map((r) => toJson(f, r));
        cursor = result.next;
      } while (cursor !== null);
    },

    async detail(id: number, scope: CourtIds) {
      const row = await findCaseDetail(db, id, scope);
      if (!row) throw AppError.notFound("Case");
      const asOf = todayIso();
      const age = caseAgeAt(row.events, asOf);
      const maxDays = row.tiers.length > 0 ? Math.max(...row.tiers.map((t) => t.days)) : null;
      return {
        id: row.id,
        caseNumber: row.caseNumber,
        caseType: row.caseType,
        filedOn: row.filedOn,
        status: row.status,
        statusOn: row.statusOn,
        disposedOn: row.disposedOn,
        disposition: row.disposition,
        court: { id: row.courtId, code: row.courtCode, name: row.courtName },
        judge: row.judgeId === null ? null : { id: row.judgeId, code: row.judgeCode!, name: row.judgeName! },
        ...age,
        standard:
          maxDays === null
            ? null
            : {
                tiers: row.tiers,
                maxDays,
                status:
                  age.ageDays === null
                    ? null
                    : age.ageDays > maxDays
                      ? ("over" as const)
                      : ("within" as const),
              },
        asOf,
        version: row.version,
        createdAt: new Date(row.createdAt).toISOString(),
        updatedAt: new Date(row.updatedAt).toISOString(),
      };
    },

    async activities(
      caseId: number,
      scope: CourtIds,
      cursor: { d: string; i: number } | null,
      limit: number,
    ) {
      if (!(await caseExistsInScope(db, caseId, scope))) throw AppError.notFound("Case");
      const rows = await selectActivities(db, caseId, cursor, limit + 1);
      const shown = rows.slice(0, limit);
      const last = shown[shown.length - 1];
      return { rows: shown, next: rows.length > limit && last ? { d: last.occurredOn, i: last.id } : null };
    },
  };
}

export type CasesService = ReturnType<typeof createCasesService>;
