CREATE TABLE "caseload_snapshots" (
	"snapshot_date" date NOT NULL,
	"court_id" integer NOT NULL,
	"case_type" "case_type" NOT NULL,
	"age_bucket" text NOT NULL,
	"active_pending" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "caseload_snapshots_snapshot_date_court_id_case_type_age_bucket_pk" PRIMARY KEY("snapshot_date","court_id","case_type","age_bucket")
);
--> statement-breakpoint
CREATE TABLE "import_row_errors" (
	"batch_id" integer NOT NULL,
	"file" smallint NOT NULL,
	"line" integer NOT NULL,
	"seq" smallint NOT NULL,
	"field" text,
	"message" text NOT NULL,
	CONSTRAINT "import_row_errors_batch_id_file_line_seq_pk" PRIMARY KEY("batch_id","file","line","seq")
);
--> statement-breakpoint
CREATE TABLE "import_staged_rows" (
	"batch_id" integer NOT NULL,
	"file" smallint NOT NULL,
	"line" integer NOT NULL,
	"data" json NOT NULL,
	CONSTRAINT "import_staged_rows_batch_id_file_line_pk" PRIMARY KEY("batch_id","file","line")
);
--> statement-breakpoint
CREATE TABLE "import_touched_cases" (
	"batch_id" integer NOT NULL,
	"case_id" integer NOT NULL,
	CONSTRAINT "import_touched_cases_batch_id_case_id_pk" PRIMARY KEY("batch_id","case_id")
);
--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "files" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "scope_court_ids" integer[];--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "phase" text DEFAULT 'cases' NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "checkpoint_line" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "total_rows" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "processed_rows" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "touched_court_ids" integer[] DEFAULT '{}'::integer[] NOT NULL;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "failure_reason" text;--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD COLUMN "run" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "caseload_snapshots" ADD CONSTRAINT "caseload_snapshots_court_id_courts_id_fk" FOREIGN KEY ("court_id") REFERENCES "public"."courts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_row_errors" ADD CONSTRAINT "import_row_errors_batch_id_daily_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."daily_import_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_staged_rows" ADD CONSTRAINT "import_staged_rows_batch_id_daily_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."daily_import_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_touched_cases" ADD CONSTRAINT "import_touched_cases_batch_id_daily_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."daily_import_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "caseload_snapshots_court_date_idx" ON "caseload_snapshots" USING btree ("court_id","snapshot_date");--> statement-breakpoint
CREATE INDEX "daily_import_batches_created_by_idx" ON "daily_import_batches" USING btree ("created_by","id");--> statement-breakpoint
ALTER TABLE "daily_import_batches" ADD CONSTRAINT "daily_import_batches_phase_ck" CHECK ("daily_import_batches"."phase" IN ('cases', 'activities', 'rollups', 'done'));