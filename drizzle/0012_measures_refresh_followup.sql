CREATE TABLE "measure_freshness" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"data_as_of" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "measure_freshness_one_row_ck" CHECK ("measure_freshness"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "measures_refreshed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "daily_import_batches_refresh_owed_idx" ON "daily_import_batches" USING btree ("id") WHERE "daily_import_batches"."measures_refreshed_at" IS NULL AND "daily_import_batches"."status" IN ('completed', 'completed_with_errors', 'failed');--> statement-breakpoint
-- The rollups are current now (until this release they were refreshed before a batch finished).
INSERT INTO "measure_freshness" ("id", "data_as_of") VALUES (1, now());
--> statement-breakpoint
-- Batches finished before this release had their rollups refreshed before they finished; a failed one
-- still owing cases keeps null and is refreshed by the new job.
UPDATE "daily_import_batches" b SET "measures_refreshed_at" = coalesce(b."finished_at", b."updated_at")
WHERE b."status" IN ('completed', 'completed_with_errors', 'failed')
  AND NOT EXISTS (SELECT 1 FROM "import_touched_cases" t WHERE t."batch_id" = b."id");
