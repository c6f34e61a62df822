CREATE TABLE "measure_open_pending" (
	"active_from" date NOT NULL,
	"case_type" "case_type" NOT NULL,
	"age_base" date NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "measure_open_pending_active_from_case_type_age_base_pk" PRIMARY KEY("active_from","case_type","age_base")
);
--> statement-breakpoint
DROP INDEX "measure_dispositions_trial_idx";--> statement-breakpoint
ALTER TABLE "measure_ttd_hist" DROP CONSTRAINT "measure_ttd_hist_grain_bucket_case_type_days_pk";--> statement-breakpoint
ALTER TABLE "measure_ttd_hist" ALTER COLUMN "case_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_backlog_standards" ADD COLUMN "tier90_days" integer;--> statement-breakpoint
ALTER TABLE "measure_case_days" ADD COLUMN "t90_count" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_case_days" ADD COLUMN "t90_within" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ADD COLUMN "t90_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ADD COLUMN "t90_within" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_dispositions" ADD COLUMN "next_disposed_on" date;--> statement-breakpoint
CREATE INDEX "measure_dispositions_trial_idx" ON "measure_dispositions" USING btree ("disposed_on","next_disposed_on","trial_settings","case_type","court_id","judge_id") WHERE "measure_dispositions"."by_trial";--> statement-breakpoint
ALTER TABLE "measure_ttd_hist" ADD CONSTRAINT "measure_ttd_hist_key_uq" UNIQUE NULLS NOT DISTINCT("grain","bucket","case_type","days");