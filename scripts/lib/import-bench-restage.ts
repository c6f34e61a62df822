import { once } from "node:events";
import { createReadStream } from "node:fs";
import type postgres from "postgres";
import { IMPORT_FILE_CODES, type ImportFile } from "../../src/db/schema/import-staged-rows";
import { CsvParser, type CsvRecord } from "../../src/lib/csv-parser";
import { checkHeader, stageRow } from "../../src/modules/imports/imports.format";
import { copyLine } from "../../src/modules/imports/imports.spool";

// A batch's staged rows are deleted when it completes, so the INSERT … SELECT floor stages the same
// file again under the batch's id, with the upload's own reader and row format (the CSV parser,
// checkHeader, stageRow, copyLine): the floor then reads exactly what the import read. Bench files
// hold no duplicate keys, so nothing is superseded. Not timed.

export async function restageFile(
  sql: postgres.Sql,
  batchId: number,
  file: ImportFile,
  path: string,
): Promise<number> {
  const parser = new CsvParser();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const records: CsvRecord[] = [];
  let header: { positions: number[]; length: number } | null = null;
  let staged = 0;
  await sql.begin(async (tx) => {
    const w = await tx`copy import_staged_rows (batch_id, file, line, data) from stdin`.writable();
    const flush = async () => {
      let buf = "";
      for (const r of records) {
        if (!header) {
          const check = checkHeader(file, r.fields);
          if (!check.ok) throw new Error(`${path}: ${check.problems.join("; ")}`);
          header = { positions: check.positions, length: r.fields.length };
          continue;
        }
        const data = stageRow(r.fields, header.positions, header.length, r.malformed);
        buf += copyLine(batchId, IMPORT_FILE_CODES[file], r.line, data);
        staged++;
      }
      records.length = 0;
      if (buf && !w.write(buf)) await once(w, "drain");
    };
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      parser.push(decoder.decode(chunk as Buffer, { stream: true }), records);
      await flush();
    }
    parser.finish(records);
    await flush();
    const done = once(w, "finish");
    w.end();
    await done;
  });
  return staged;
}

export async function dropStaged(sql: postgres.Sql, batchId: number): Promise<void> {
  await sql`delete from import_staged_rows where batch_id = ${batchId}`;
}
