import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client";
import { auditLog } from "../../db/schema";
import type { Db } from "../../db/transaction";
import type { AuditAction, AuditEntity } from "./audit.vocabulary";

export interface AuditEntry {
  userId: number | null;
  /** One of the vocabulary (audit.vocabulary.ts): GET /api/audit filters on it and refuses others. */
  action: AuditAction;
  entity: AuditEntity;
  entityId?: string | number | null;
  changes?: Record<string, unknown> | null;
  requestId?: string | null;
  ip?: string | null;
}

/** Who and where of the request behind an audit row (see auditContext). */
export type AuditContext = Pick<AuditEntry, "userId" | "requestId" | "ip">;

// Keys whose values never reach the audit log, at any depth.
const SECRET_KEYS = /pass(word)?|hash|token|secret/i;

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "[redacted]" : scrub(v)]),
    );
  }
  return value;
}

/** One row per write; pass the transaction doing the write so both land or neither does. */
export async function insertAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    userId: entry.userId,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId == null ? null : String(entry.entityId),
    changes: entry.changes ? (scrub(entry.changes) as Record<string, unknown>) : null,
    requestId: entry.requestId ?? null,
    ip: entry.ip ?? null,
  });
}

export interface AuditFilters {
  userId?: number;
  action?: AuditAction;
  entity?: AuditEntity;
  entityId?: string;
  from?: string;
  to?: string;
  /** The id of the first row of the page (the row after the previous page's last). */
  cursor?: { id: number };
  limit: number;
}

/** Newest first, keyset on id; `next` is the first row of the following page. */
export async function listAudit(db: Database, f: AuditFilters) {
  const where: SQL[] = [];
  if (f.userId !== undefined) where.push(eq(auditLog.userId, f.userId));
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.entity) where.push(eq(auditLog.entity, f.entity));
  if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
  if (f.from) where.push(gte(auditLog.at, new Date(`${f.from}T00:00:00Z`)));
  // `to` is an inclusive date: everything before the next midnight.
  if (f.to) where.push(lt(auditLog.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  if (f.cursor !== undefined) where.push(lte(auditLog.id, f.cursor.id));
  const rows = await db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return { rows: page, next: rows.length > f.limit ? { id: rows[f.limit]!.id } : null };
}
