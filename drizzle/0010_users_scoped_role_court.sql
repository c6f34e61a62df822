-- Rows from before the rule: an active court_admin or viewer without a court saw every court. They are
-- deactivated (and the change audited) so the constraint can hold; an admin gives each a court and
-- reactivates it in one PATCH.
INSERT INTO "audit_log" ("user_id", "action", "entity", "entity_id", "changes")
SELECT NULL, 'user.deactivated_without_court', 'user', "id"::text, jsonb_build_object('role', "role", 'active', jsonb_build_object('from', true, 'to', false))
FROM "users" WHERE "role" IN ('court_admin', 'viewer') AND "court_id" IS NULL AND "active";--> statement-breakpoint
UPDATE "users" SET "active" = false, "updated_at" = now() WHERE "role" IN ('court_admin', 'viewer') AND "court_id" IS NULL AND "active";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_scoped_role_court_ck" CHECK ("users"."role" NOT IN ('court_admin', 'viewer') OR "users"."court_id" IS NOT NULL OR NOT "users"."active");
