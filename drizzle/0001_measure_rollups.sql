CREATE TABLE "measure_case_days" (
	"case_id" integer NOT NULL,
	"day" date NOT NULL,
	"court_id" integer NOT NULL,
	"case_type" "case_type" NOT NULL,
	"judge_id" integer NOT NULL,
	"filed" smallint DEFAULT 0 NOT NULL,
	"reopened" smallint DEFAULT 0 NOT NULL,
	"reactivated" smallint DEFAULT 0 NOT NULL,
	"placed_inactive" smallint DEFAULT 0 NOT NULL,
	"disposed" smallint DEFAULT 0 NOT NULL,
	"pending_net" smallint DEFAULT 0 NOT NULL,
	"hearings" smallint DEFAULT 0 NOT NULL,
	"continued" smallint DEFAULT 0 NOT NULL,
	CONSTRAINT "measure_case_days_case_id_day_pk" PRIMARY KEY("case_id","day")
);
--> statement-breakpoint
CREATE TABLE "measure_counts" (
	"grain" smallint NOT NULL,
	"bucket" date NOT NULL,
	"court_id" integer NOT NULL,
	"case_type" "case_type" NOT NULL,
	"judge_id" integer NOT NULL,
	"filed" integer DEFAULT 0 NOT NULL,
	"reopened" integer DEFAULT 0 NOT NULL,
	"reactivated" integer DEFAULT 0 NOT NULL,
	"placed_inactive" integer DEFAULT 0 NOT NULL,
	"disposed" integer DEFAULT 0 NOT NULL,
	"pending_net" integer DEFAULT 0 NOT NULL,
	"hearings" integer DEFAULT 0 NOT NULL,
	"continued" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "measure_counts_grain_bucket_court_id_case_type_judge_id_pk" PRIMARY KEY("grain","bucket","court_id","case_type","judge_id"),
	CONSTRAINT "measure_counts_grain_ck" CHECK ("measure_counts"."grain" IN (1, 2, 3))
);
--> statement-breakpoint
CREATE TABLE "measure_dispositions" (
	"case_id" integer NOT NULL,
	"disposed_on" date NOT NULL,
	"court_id" integer NOT NULL,
	"case_type" "case_type" NOT NULL,
	"judge_id" integer NOT NULL,
	"days" integer,
	"by_trial" boolean NOT NULL,
	"trial_settings" integer,
	CONSTRAINT "measure_dispositions_case_id_disposed_on_pk" PRIMARY KEY("case_id","disposed_on")
);
--> statement-breakpoint
CREATE TABLE "measure_pending_spans" (
	"case_id" integer NOT NULL,
	"active_from" date NOT NULL,
	"active_to" date,
	"age_base" date NOT NULL,
	"len_class" smallint NOT NULL,
	"court_id" integer NOT NULL,
	"case_type" "case_type" NOT NULL,
	"judge_id" integer NOT NULL,
	CONSTRAINT "measure_pending_spans_case_id_active_from_pk" PRIMARY KEY("case_id","active_from")
);
--> statement-breakpoint
CREATE INDEX "measure_case_days_court_idx" ON "measure_case_days" USING btree ("court_id");--> statement-breakpoint
CREATE INDEX "measure_dispositions_date_idx" ON "measure_dispositions" USING btree ("disposed_on","case_type","days","court_id","judge_id");--> statement-breakpoint
CREATE INDEX "measure_dispositions_trial_idx" ON "measure_dispositions" USING btree ("disposed_on","case_id","trial_settings","case_type","court_id","judge_id") WHERE "measure_dispositions"."by_trial";--> statement-breakpoint
CREATE INDEX "measure_pending_spans_stab_idx" ON "measure_pending_spans" USING btree ("len_class","active_from","active_to","age_base","case_type","court_id","judge_id");