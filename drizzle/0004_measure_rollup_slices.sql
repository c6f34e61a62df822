CREATE TABLE "measure_backlog_standards" (
	"case_type" "case_type" PRIMARY KEY NOT NULL,
	"days" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "measure_ttd_hist" (
	"grain" smallint NOT NULL,
	"bucket" date NOT NULL,
	"case_type" "case_type" NOT NULL,
	"days" integer NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "measure_ttd_hist_grain_bucket_case_type_days_pk" PRIMARY KEY("grain","bucket","case_type","days"),
	CONSTRAINT "measure_ttd_hist_grain_ck" CHECK ("measure_ttd_hist"."grain" IN (2, 3))
);
--> statement-breakpoint
ALTER TABLE "measure_counts" DROP CONSTRAINT "measure_counts_grain_bucket_court_id_case_type_judge_id_pk";--> statement-breakpoint
ALTER TABLE "measure_case_days" ALTER COLUMN "judge_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ALTER COLUMN "case_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ALTER COLUMN "judge_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_dispositions" ALTER COLUMN "judge_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_pending_spans" ALTER COLUMN "judge_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_case_days" ADD COLUMN "backlog_net" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ADD COLUMN "backlog_net" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "measure_counts_judges_idx" ON "measure_counts" USING btree ("grain","case_type","bucket","judge_id","court_id","filed","reopened","reactivated","placed_inactive","disposed","pending_net") WHERE "measure_counts"."judge_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "measure_counts" ADD CONSTRAINT "measure_counts_key_uq" UNIQUE NULLS NOT DISTINCT("grain","judge_id","case_type","bucket","court_id");