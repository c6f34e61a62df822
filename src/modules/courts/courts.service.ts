import type { AuthUser } from "../../app-env";
import type { CourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import type { Court } from "../../db/schema";
import { withTransaction } from "../../db/transaction";
import { todayIso } from "../../lib/dates";
import { AppError } from "../../lib/errors";
import type { CacheManager } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import { currentJudgesOfCourt } from "../judges/judges.repo";
import { nestTree, subtreeIds, wouldCycle } from "./courts.hierarchy";
import {
  caseCountsByStatus,
  courtParents,
  findCourtByCode,
  findCourtById,
  insertCourt,
  listAllCourts,
  lockCourtHierarchy,
  updateCourt,
} from "./courts.repo";
import type { CreateCourtInput, UpdateCourtInput } from "./courts.schemas";

/** A court as a caller with `scope` sees it: a parent outside the scope is not named (null). */
export function toCourtJson(c: Court, scope: CourtIds = null) {
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    level: c.level,
    parentId: c.parentId !== null && (scope === null || scope.includes(c.parentId)) ? c.parentId : null,
    active: c.active,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export interface CourtFilters {
  level?: Court["level"];
  active?: boolean;
  search?: string;
  limit: number;
  cursor?: { code: string };
}

const COURTS_TTL_S = 300;
const COUNTS_TTL_S = 60;

/** Which field of the body named the parent, for error paths. */
const parentPath = (input: { parentCode?: string }) =>
  input.parentCode !== undefined ? "body.parentCode" : "body.parentId";

export function createCourtsService({ db, cache }: { db: Database; cache: CacheManager }) {
  const courtsCache = cache.withNamespace("courts");

  /** The whole (small) hierarchy, cached; every read filters it by scope in memory. */
  const allCourts = (): Promise<Court[]> =>
    courtsCache.getOrSet("all", COURTS_TTL_S, () => listAllCourts(db), { tags: ["courts"] });

  const visible = (scope: CourtIds, id: number) => scope === null || scope.includes(id);

  async function getVisible(id: number, scope: CourtIds): Promise<Court> {
    const court = (await allCourts()).find((c) => c.id === id);
    if (!court || !visible(scope, id)) throw AppError.notFound("Court");
    return court;
  }

  /** Court caches, the auth scope cache (a scope is a subtree) and judge lists (they show court codes). */
  async function invalidate(): Promise<void> {
    await Promise.all([
      courtsCache.invalidateTags(["courts"]),
      cache.withNamespace("scope").invalidateTags(["courts"]),
      cache.withNamespace("judges").invalidateTags(["judges"]),
    ]);
  }

  /** Resolves parentId/parentCode; the parent must exist and, for a scoped admin, be in scope. */
  async function resolveParent(
    actor: AuthUser,
    scope: CourtIds,
    input: { parentId?: number | null; parentCode?: string },
  ): Promise<number | null | undefined> {
    if (input.parentCode === undefined && input.parentId === undefined) return undefined;
    const path = parentPath(input);
    if (input.parentCode === undefined && input.parentId === null) {
      if (actor.role !== "admin") throw new AppError("FORBIDDEN", "Only an admin can make a top-level court");
      return null;
    }
    const parent =
      input.parentCode !== undefined
        ? await findCourtByCode(db, input.parentCode)
        : await findCourtById(db, input.parentId!);
    if (!parent || !visible(scope, parent.id)) {
      throw AppError.validation([{ path, message: "no such court within your scope" }]);
    }
    return parent.id;
  }

  return {
    allCourts,
    getVisible,

    /** The court and its descendants, for filters on courtId ("with descendants"). */
    async subtree(courtId: number): Promise<number[]> {
      return subtreeIds(await allCourts(), courtId);
    },

    async list(f: CourtFilters, scope: CourtIds) {
      const needle = f.search?.toLowerCase();
      const rows = (await allCourts()).filter(
        (c) =>
          visible(scope, c.id) &&
          (f.level === undefined || c.level === f.level) &&
          (f.active === undefined || c.active === f.active) &&
          (needle === undefined ||
            c.code.toLowerCase().includes(needle) ||
            c.name.toLowerCase().includes(needle)) &&
          (f.cursor === undefined || c.code > f.cursor.code),
      );
      // allCourts is ordered by code, which is unique: the cursor is the last code shown.
      const page = rows.slice(0, f.limit);
      return { rows: page, next: rows.length > f.limit ? { code: page[page.length - 1]!.code } : null };
    },

    async tree(scope: CourtIds) {
      return nestTree(await allCourts(), scope);
    },

    async detail(id: number, scope: CourtIds) {
      const list = await allCourts();
      const court = await getVisible(id, scope);
      const parent = court.parentId === null ? undefined : list.find((c) => c.id === court.parentId);
      const children = list.filter((c) => c.parentId === id && visible(scope, c.id));
      const subtree = subtreeIds(list, id);
      const [judges, caseCounts] = await Promise.all([
        currentJudgesOfCourt(db, id, todayIso()),
        // Counting a state's million cases costs tens of milliseconds: a minute of staleness is fine
        // for a summary tile, and an import shows up within that minute.
        courtsCache.getOrSet(`counts:${id}`, COUNTS_TTL_S, () => caseCountsByStatus(db, subtree), {
          tags: ["courts"],
        }),
      ]);
      return {
        ...toCourtJson(court, scope),
        parent:
          parent && visible(scope, parent.id)
            ? { id: parent.id, code: parent.code, name: parent.name }
            : null,
        children: children.map((child) => toCourtJson(child, scope)),
        judges,
        caseCounts,
      };
    },

    async create(
      actor: AuthUser,
      scope: CourtIds,
      input: CreateCourtInput,
      ctx: AuditContext,
    ): Promise<Court> {
      const parentId = await resolveParent(actor, scope, input);
      if (parentId == null && actor.role !== "admin") {
        throw new AppError("FORBIDDEN", "Only an admin can make a top-level court");
      }
      const court = await withTransaction(db, async (tx) => {
        await lockCourtHierarchy(tx);
        const row = await insertCourt(tx, {
          code: input.code,
          name: input.name,
          level: input.level,
          parentId: parentId ?? null,
        });
        await insertAudit(tx, {
          ...ctx,
          action: "court.created",
          entity: "court",
          entityId: row.id,
          changes: { code: row.code, name: row.name, level: row.level, parentId: row.parentId },
        });
        return row;
      });
      await invalidate();
      return court;
    },

    async update(
      actor: AuthUser,
      scope: CourtIds,
      id: number,
      input: UpdateCourtInput,
      ctx: AuditContext,
    ): Promise<Court> {
      await getVisible(id, scope);
      const parentId = await resolveParent(actor, scope, input);
      const court = await withTransaction(db, async (tx) => {
        await lockCourtHierarchy(tx);
        const before = await findCourtById(tx, id);
        if (!before) throw AppError.notFound("Court");
        if (parentId != null && wouldCycle(await courtParents(tx), id, parentId)) {
          throw AppError.validation([
            { path: parentPath(input), message: "would make the court its own ancestor (a cycle)" },
          ]);
        }
        const values = {
          ...(input.code !== undefined ? { code: input.code } : {}),
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.level !== undefined ? { level: input.level } : {}),
          ...(input.active !== undefined ? { active: input.active } : {}),
          ...(parentId !== undefined ? { parentId } : {}),
        };
        const row = (await updateCourt(tx, id, values))!;
        const changes: Record<string, unknown> = {};
        for (const [key, to] of Object.entries(values)) {
          const from = before[key as keyof typeof values];
          if (from !== to) changes[key] = { from, to };
        }
        await insertAudit(tx, { ...ctx, action: "court.updated", entity: "court", entityId: id, changes });
        return row;
      });
      await invalidate();
      return court;
    },
  };
}

export type CourtsService = ReturnType<typeof createCourtsService>;
