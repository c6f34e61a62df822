ALTER TABLE "import_staged_rows" DROP CONSTRAINT "import_staged_rows_batch_id_daily_import_batches_id_fk";
