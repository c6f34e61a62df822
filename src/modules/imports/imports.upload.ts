import type { ImportFileInfo, ImportFilesInfo } from "../../db/schema/daily-import-batches";
import { IMPORT_FILES, type ImportFile } from "../../db/schema/import-staged-rows";
import { CsvParser, type CsvRecord, CsvTooLongError } from "../../lib/csv-parser";
import type { FieldProblem } from "../../lib/errors";
import { type MultipartPart, multipartParts, readField } from "../../lib/multipart";
import { COLUMNS, checkHeader, stageRow } from "./imports.format";
import type { FileStager } from "./imports.staging";

// Reading an upload as it streams in: multipart parts → UTF-8 text → CSV records → staged rows, with
// the sha-256 of each file computed on the way. Header problems are collected for every file (the
// client gets them all in one 400), and once there is one, nothing more is staged.

export interface UploadContent {
  fields: Record<string, string>;
  files: ImportFilesInfo;
  /** Each at `body.cases`, `body.activities` or `body.<field>`. */
  problems: FieldProblem[];
}

// What browsers and tools send for a .csv file; anything else (a PDF, an image…) is not a CSV file.
const CSV_TYPES = new Set([
  "text/csv",
  "text/plain",
  "application/csv",
  "text/comma-separated-values",
  "text/x-csv",
  "application/x-csv",
  "application/vnd.ms-excel",
  "application/octet-stream",
]);

/** Why the first bytes of a file say it is not text, or null. */
function binaryProblem(first: Uint8Array): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => first[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "a ZIP archive or Excel workbook; export it as CSV";
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) return "an Excel 97 workbook; export it as CSV";
  if (starts(0x25, 0x50, 0x44, 0x46)) return "a PDF document";
  if (first.subarray(0, 8192).includes(0)) return "binary content";
  return null;
}

interface FileReading {
  file: ImportFile;
  hasher: Bun.CryptoHasher;
  bytes: number;
  rows: number;
  /** Messages about this file. */
  problems: string[];
}

async function readCsvPart(
  part: MultipartPart,
  file: ImportFile,
  stage: ((file: ImportFile) => Promise<FileStager>) | null,
): Promise<FileReading> {
  const reading: FileReading = {
    file,
    hasher: new Bun.CryptoHasher("sha256"),
    bytes: 0,
    rows: 0,
    problems: [],
  };
  const type = part.contentType?.split(";")[0]?.trim().toLowerCase();
  if (type && !CSV_TYPES.has(type)) reading.problems.push(`not a CSV file (Content-Type ${type})`);

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parser = new CsvParser();
  const records: CsvRecord[] = [];
  let header: { positions: number[]; length: number } | null = null;
  let headerSeen = false;
  let stager: FileStager | null = null;
  // Stops parsing (the rest is only hashed and counted) once the file is known to be unusable.
  let skipping = reading.problems.length > 0;

  const handle = async () => {
    for (const record of records) {
      if (!headerSeen) {
        headerSeen = true;
        const check = checkHeader(file, record.fields);
        if (record.malformed) reading.problems.push("not a CSV file (the header row cannot be read)");
        else if (!check.ok) {
          const known = record.fields.some((f) => COLUMNS[file].includes(f.trim().toLowerCase()));
          reading.problems.push(
            ...(known ? check.problems : [`no header row (expected columns ${COLUMNS[file].join(", ")})`]),
          );
        } else header = { positions: check.positions, length: record.fields.length };
        if (!header) {
          skipping = true;
          return;
        }
        if (stage) stager = await stage(file);
        continue;
      }
      reading.rows++;
      const h = header as { positions: number[]; length: number } | null;
      if (stager && h) {
        const wait = stager.add(
          record.line,
          stageRow(record.fields, h.positions, h.length, record.malformed),
        );
        if (wait) await wait;
      }
    }
    records.length = 0;
  };

  try {
    let first = true;
    for await (const chunk of part.data) {
      reading.hasher.update(chunk);
      reading.bytes += chunk.byteLength;
      if (skipping) continue;
      if (first) {
        first = false;
        const binary = binaryProblem(chunk);
        if (binary) {
          reading.problems.push(`not a CSV file (${binary})`);
          skipping = true;
          continue;
        }
      }
      try {
        parser.push(decoder.decode(chunk, { stream: true }), records);
      } catch (err) {
        if (err instanceof CsvTooLongError) reading.problems.push(err.message);
        else reading.problems.push(`not UTF-8 text (near byte ${reading.bytes})`);
        skipping = true;
        continue;
      }
      await handle();
    }
    if (!skipping) {
      try {
        parser.push(decoder.decode(), records);
        parser.finish(records);
      } catch {
        reading.problems.push("not UTF-8 text (at the end of the file)");
      }
      await handle();
      if (!headerSeen && reading.problems.length === 0) reading.problems.push("the file is empty");
    }
    await (stager as FileStager | null)?.close();
  } catch (err) {
    await (stager as FileStager | null)?.abort();
    throw err;
  }
  return reading;
}

/**
 * Reads a multipart upload. `stage` opens the staging of one file (null = check only). Files other
 * than `cases` and `activities`, and a file sent twice, are problems; other form fields are returned.
 */
export async function readUpload(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  opts: { maxBytes: number; stage: (file: ImportFile) => Promise<FileStager> },
): Promise<UploadContent> {
  const content: UploadContent = { fields: {}, files: {}, problems: [] };
  for await (const part of multipartParts(body, boundary, { maxBytes: opts.maxBytes })) {
    if (part.filename === null) {
      content.fields[part.name] = await readField(part);
      continue;
    }
    const file = IMPORT_FILES.find((f) => f === part.name);
    if (!file) {
      content.problems.push({
        path: `body.${part.name}`,
        message: `unexpected file field "${part.name}": send cases and/or activities`,
      });
      continue;
    }
    if (content.files[file]) {
      content.problems.push({ path: `body.${file}`, message: "sent more than once" });
      continue;
    }
    const reading = await readCsvPart(part, file, content.problems.length === 0 ? opts.stage : null);
    // A browser's empty file input: no file chosen.
    if (part.filename === "" && reading.bytes === 0) continue;
    const info: ImportFileInfo = {
      filename: part.filename || null,
      bytes: reading.bytes,
      rows: reading.rows,
      sha256: reading.hasher.digest("hex"),
    };
    content.files[file] = info;
    content.problems.push(...reading.problems.map((message) => ({ path: `body.${file}`, message })));
  }
  return content;
}

/** One checksum for the upload: the same files give the same checksum in whatever field order. */
export function uploadChecksum(files: ImportFilesInfo): string {
  const text = IMPORT_FILES.map((f) => `${f}:${files[f]?.sha256 ?? "-"}`).join("\n");
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}
