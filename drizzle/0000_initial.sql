CREATE TYPE "public"."activity_outcome" AS ENUM('held', 'continued', 'vacated', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."activity_type" AS ENUM('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed', 'hearing', 'trial_setting', 'trial', 'continuance', 'motion', 'order', 'other');--> statement-breakpoint
CREATE TYPE "public"."case_status" AS ENUM('active', 'inactive', 'disposed');--> statement-breakpoint
CREATE TYPE "public"."case_type" AS ENUM('felony', 'misdemeanor', 'traffic', 'civil_general', 'civil_summary', 'domestic_relations', 'juvenile_detained', 'juvenile_not_detained', 'probate', 'protection_order', 'post_conviction');--> statement-breakpoint
CREATE TYPE "public"."court_level" AS ENUM('supreme', 'appellate', 'trial', 'limited');--> statement-breakpoint
CREATE TYPE "public"."disposition" AS ENUM('jury_trial', 'bench_trial', 'dismissed', 'plea', 'settled', 'default_judgment', 'transferred', 'other');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('queued', 'processing', 'completed', 'completed_with_errors', 'failed');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('admin', 'court_admin', 'analyst', 'viewer');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" integer,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text,
	"changes" jsonb,
	"request_id" text,
	"ip" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_activities" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" integer NOT NULL,
	"court_id" integer NOT NULL,
	"source_id" text,
	"type" "activity_type" NOT NULL,
	"occurred_on" date NOT NULL,
	"outcome" "activity_outcome",
	"judge_id" integer,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" serial PRIMARY KEY NOT NULL,
	"court_id" integer NOT NULL,
	"case_number" text NOT NULL,
	"case_type" "case_type" NOT NULL,
	"filed_on" date NOT NULL,
	"status" "case_status" NOT NULL,
	"status_on" date,
	"judge_id" integer,
	"disposed_on" date,
	"disposition" "disposition",
	"source_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "cases_disposed_after_filed_ck" CHECK ("cases"."disposed_on" IS NULL OR "cases"."disposed_on" >= "cases"."filed_on")
);
--> statement-breakpoint
CREATE TABLE "courts" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"level" "court_level" NOT NULL,
	"parent_id" integer,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "daily_import_batches" (
	"id" serial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"extract_date" date NOT NULL,
	"checksum" text NOT NULL,
	"status" "import_status" DEFAULT 'queued' NOT NULL,
	"counts" jsonb DEFAULT '{"cases":{"total":0,"inserted":0,"updated":0,"unchanged":0,"failed":0},"activities":{"total":0,"inserted":0,"updated":0,"unchanged":0,"failed":0}}'::jsonb NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error_count" integer DEFAULT 0 NOT NULL,
	"created_by" integer,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "judge_assignments" (
	"id" serial PRIMARY KEY NOT NULL,
	"judge_id" integer NOT NULL,
	"court_id" integer NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "judge_assignments_dates_ck" CHECK ("judge_assignments"."ends_on" IS NULL OR "judge_assignments"."ends_on" >= "judge_assignments"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "judges" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"court_id" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "time_standards" (
	"case_type" "case_type" NOT NULL,
	"percent" integer NOT NULL,
	"days" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_standards_case_type_percent_pk" PRIMARY KEY("case_type","percent"),
	CONSTRAINT "time_standards_percent_ck" CHECK ("time_standards"."percent" BETWEEN 1 AND 100),
	CONSTRAINT "time_standards_days_ck" CHECK ("time_standards"."days" > 0)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" "user_role" NOT NULL,
	"court_id" integer,
	"active" boolean DEFAULT true NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_activities" ADD CONSTRAINT "case_activities_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_activities" ADD CONSTRAINT "case_activities_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_activities" ADD CONSTRAINT "case_activities_judge_id_judges_id_fk" FOREIGN KEY ("judge_id") REFERENCES "public"."judges"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_judge_id_judges_id_fk" FOREIGN KEY ("judge_id") REFERENCES "public"."judges"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "courts" ADD CONSTRAINT "courts_parent_id_courts_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD CONSTRAINT "daily_import_batches_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_assignments" ADD CONSTRAINT "judge_assignments_judge_id_judges_id_fk" FOREIGN KEY ("judge_id") REFERENCES "public"."judges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judge_assignments" ADD CONSTRAINT "judge_assignments_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "judges" ADD CONSTRAINT "judges_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_user_idx" ON "audit_log" USING btree ("user_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity","entity_id");--> statement-breakpoint
CREATE UNIQUE INDEX "case_activities_court_source_uq" ON "case_activities" USING btree ("court_id","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "case_activities_status_event_uq" ON "case_activities" USING btree ("case_id","type","occurred_on") WHERE "case_activities"."type" IN ('filed', 'reopened', 'reactivated', 'placed_inactive', 'disposed');--> statement-breakpoint
CREATE INDEX "case_activities_case_date_idx" ON "case_activities" USING btree ("case_id","occurred_on");--> statement-breakpoint
CREATE INDEX "case_activities_type_date_idx" ON "case_activities" USING btree ("type","occurred_on");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_court_number_uq" ON "cases" USING btree ("court_id","case_number");--> statement-breakpoint
CREATE INDEX "cases_court_filed_idx" ON "cases" USING btree ("court_id","filed_on");--> statement-breakpoint
CREATE INDEX "cases_court_status_idx" ON "cases" USING btree ("court_id","status");--> statement-breakpoint
CREATE INDEX "cases_judge_idx" ON "cases" USING btree ("judge_id");--> statement-breakpoint
CREATE INDEX "cases_disposed_idx" ON "cases" USING btree ("disposed_on");--> statement-breakpoint
CREATE UNIQUE INDEX "courts_code_uq" ON "courts" USING btree ("code");--> statement-breakpoint
CREATE INDEX "courts_parent_idx" ON "courts" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "daily_import_batches_checksum_idx" ON "daily_import_batches" USING btree ("checksum");--> statement-breakpoint
CREATE INDEX "daily_import_batches_status_idx" ON "daily_import_batches" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "judge_assignments_judge_idx" ON "judge_assignments" USING btree ("judge_id","starts_on");--> statement-breakpoint
CREATE INDEX "judge_assignments_court_idx" ON "judge_assignments" USING btree ("court_id");--> statement-breakpoint
CREATE UNIQUE INDEX "judges_code_uq" ON "judges" USING btree ("code");--> statement-breakpoint
CREATE INDEX "judges_court_idx" ON "judges" USING btree ("court_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_lower_uq" ON "users" USING btree (lower("email"));