import type { AuthUser } from "../../app-env";
import { type CourtIds, intersectCourtIds } from "../../auth/scope";
import type { Database } from "../../db/client";
import type { Judge } from "../../db/schema";
import { withTransaction } from "../../db/transaction";
import { todayIso } from "../../lib/dates";
import { AppError } from "../../lib/errors";
import type { CacheManager } from "../../redis/types";
import { type AuditContext, insertAudit } from "../audit/audit.repo";
import type { CourtsService } from "../courts/courts.service";
import {
  type AssignmentRow,
  findAssignment,
  insertAssignment,
  listAssignments,
  updateAssignment,
} from "./judges.assignments.repo";
import {
  caseloadOf,
  findJudgeInScope,
  insertJudge,
  type JudgeRow,
  listJudges,
  updateJudge,
} from "./judges.repo";
import type {
  CreateAssignmentInput,
  CreateJudgeInput,
  UpdateAssignmentInput,
  UpdateJudgeInput,
} from "./judges.schemas";

/**
 * A judge as a caller with `scope` sees them: a judge visible through a current assignment to one of
 * the caller's courts keeps a home court elsewhere to themselves (null), as if it did not exist.
 */
export function toJudgeJson(j: JudgeRow, scope: CourtIds = null) {
  const homeVisible = scope === null || scope.includes(j.courtId);
  return {
    id: j.id,
    code: j.code,
    name: j.name,
    courtId: homeVisible ? j.courtId : null,
    courtCode: homeVisible ? j.courtCode : null,
    active: j.active,
    createdAt: j.createdAt.toISOString(),
    updatedAt: j.updatedAt.toISOString(),
  };
}

export function toAssignmentJson(a: AssignmentRow, today: string) {
  return {
    id: a.id,
    judgeId: a.judgeId,
    courtId: a.courtId,
    courtCode: a.courtCode,
    startsOn: a.startsOn,
    endsOn: a.endsOn,
    current: a.startsOn <= today && (a.endsOn === null || a.endsOn >= today),
  };
}

export interface JudgeListQuery {
  courtId?: number;
  active?: boolean;
  search?: string;
  limit: number;
  cursor?: { name: string; id: number };
}

const LIST_TTL_S = 300;

export function createJudgesService({
  db,
  cache,
  courts,
}: {
  db: Database;
  cache: CacheManager;
  courts: CourtsService;
}) {
  const judgesCache = cache.withNamespace("judges");
  const inScope = (scope: CourtIds, id: number) => scope === null || scope.includes(id);

  async function getVisible(id: number, scope: CourtIds): Promise<JudgeRow> {
    const judge = await findJudgeInScope(db, id, scope, todayIso());
    if (!judge) throw AppError.notFound("Judge");
    return judge;
  }

  /** A court named in a body by id or code; it must exist and lie in the caller's scope. */
  async function resolveCourt(
    scope: CourtIds,
    input: { courtId?: number; courtCode?: string },
  ): Promise<number> {
    const path = input.courtCode !== undefined ? "body.courtCode" : "body.courtId";
    const all = await courts.allCourts();
    const court = all.find((c) =>
      input.courtCode !== undefined ? c.code === input.courtCode : c.id === input.courtId,
    );
    if (!court || !inScope(scope, court.id)) {
      throw AppError.validation([{ path, message: "no such court within your scope" }]);
    }
    return court.id;
  }

  /** A court administrator edits only judges whose home court lies in their subtree. */
  function assertHomeInScope(actor: AuthUser, scope: CourtIds, judge: Pick<Judge, "courtId">): void {
    if (actor.role !== "admin" && !inScope(scope, judge.courtId)) {
      throw new AppError("FORBIDDEN", "The judge's home court is outside your scope");
    }
  }

  const invalidate = () => judgesCache.invalidateTags(["judges"]);

  return {
    async list(q: JudgeListQuery, scope: CourtIds) {
      const filter = q.courtId === undefined ? null : await courts.subtree(q.courtId);
      const courtIds = intersectCourtIds(scope, filter);
      const today = todayIso();
      const key = new Bun.CryptoHasher("sha256")
        .update(JSON.stringify({ q: { ...q, courtId: undefined }, courtIds, today }))
        .digest("hex");
      return judgesCache.getOrSet(
        `list:${key}`,
        LIST_TTL_S,
        () => listJudges(db, { ...q, courtIds }, today),
        {
          tags: ["judges"],
        },
      );
    },

    async detail(id: number, scope: CourtIds) {
      const judge = await getVisible(id, scope);
      const today = todayIso();
      // Only facts inside the caller's scope: assignments to their courts, cases of their courts.
      const [assignments, caseload] = await Promise.all([listAssignments(db, id), caseloadOf(db, id, scope)]);
      return {
        ...toJudgeJson(judge, scope),
        assignments: assignments
          .filter((a) => inScope(scope, a.courtId))
          .map((a) => toAssignmentJson(a, today)),
        caseload,
      };
    },

    async create(scope: CourtIds, input: CreateJudgeInput, ctx: AuditContext) {
      const courtId = await resolveCourt(scope, input);
      const created = await withTransaction(db, async (tx) => {
        const row = await insertJudge(tx, {
          code: input.code,
          name: input.name,
          courtId,
          active: input.active ?? true,
        });
        await insertAudit(tx, {
          ...ctx,
          action: "judge.created",
          entity: "judge",
          entityId: row.id,
          changes: { code: row.code, name: row.name, courtId: row.courtId, active: row.active },
        });
        return row;
      });
      await invalidate();
      return getVisible(created.id, null);
    },

    async update(actor: AuthUser, scope: CourtIds, id: number, input: UpdateJudgeInput, ctx: AuditContext) {
      const before = await getVisible(id, scope);
      assertHomeInScope(actor, scope, before);
      const courtId =
        input.courtId !== undefined || input.courtCode !== undefined
          ? await resolveCourt(scope, input)
          : undefined;
      const values = {
        ...(input.code !== undefined ? { code: input.code } : {}),
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        ...(courtId !== undefined ? { courtId } : {}),
      };
      await withTransaction(db, async (tx) => {
        await updateJudge(tx, id, values);
        const changes: Record<string, unknown> = {};
        for (const [key, to] of Object.entries(values)) {
          const from = before[key as keyof typeof values];
          if (from !== to) changes[key] = { from, to };
        }
        await insertAudit(tx, { ...ctx, action: "judge.updated", entity: "judge", entityId: id, changes });
      });
      await invalidate();
      return getVisible(id, null);
    },

    async addAssignment(scope: CourtIds, judgeId: number, input: CreateAssignmentInput, ctx: AuditContext) {
      await getVisible(judgeId, scope);
      const courtId = await resolveCourt(scope, input);
      const created = await withTransaction(db, async (tx) => {
        const row = await insertAssignment(tx, {
          judgeId,
          courtId,
          startsOn: input.startsOn,
          endsOn: input.endsOn ?? null,
        });
        await insertAudit(tx, {
          ...ctx,
          action: "judge.assignment_created",
          entity: "judge_assignment",
          entityId: row.id,
          changes: { judgeId, courtId, startsOn: row.startsOn, endsOn: row.endsOn },
        });
        return row;
      });
      await invalidate();
      return toAssignmentJson((await findAssignment(db, judgeId, created.id))!, todayIso());
    },

    async updateAssignment(
      scope: CourtIds,
      judgeId: number,
      assignmentId: number,
      input: UpdateAssignmentInput,
      ctx: AuditContext,
    ) {
      await getVisible(judgeId, scope);
      const before = await findAssignment(db, judgeId, assignmentId);
      // An assignment to a court outside the caller's scope is not theirs to see or change.
      if (!before || !inScope(scope, before.courtId)) throw AppError.notFound("Assignment");
      const courtId =
        input.courtId !== undefined || input.courtCode !== undefined
          ? await resolveCourt(scope, input)
          : undefined;
      const startsOn = input.startsOn ?? before.startsOn;
      const endsOn = input.endsOn === undefined ? before.endsOn : input.endsOn;
      if (endsOn !== null && endsOn < startsOn) {
        throw AppError.validation([
          {
            path: input.endsOn !== undefined ? "body.endsOn" : "body.startsOn",
            message: "endsOn must not be before startsOn",
          },
        ]);
      }
      const values = {
        ...(courtId !== undefined ? { courtId } : {}),
        ...(input.startsOn !== undefined ? { startsOn: input.startsOn } : {}),
        ...(input.endsOn !== undefined ? { endsOn: input.endsOn } : {}),
      };
      await withTransaction(db, async (tx) => {
        await updateAssignment(tx, assignmentId, values);
        const changes: Record<string, unknown> = {};
        for (const [key, to] of Object.entries(values)) {
          const from = before[key as keyof typeof values];
          if (from !== to) changes[key] = { from, to };
        }
        await insertAudit(tx, {
          ...ctx,
          action: "judge.assignment_updated",
          entity: "judge_assignment",
          entityId: assignmentId,
          changes: { judgeId, ...changes },
        });
      });
      await invalidate();
      return toAssignmentJson((await findAssignment(db, judgeId, assignmentId))!, todayIso());
    },
  };
}

export type JudgesService = ReturnType<typeof createJudgesService>;
