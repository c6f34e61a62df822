import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { IMPORT_FILE_CODES, IMPORT_FILES, type ImportFile } from "../../db/schema/import-staged-rows";
import { FILE_SPECS } from "./imports.columns";
import type { FileStager, StagedData } from "./imports.staging";

// An upload is first written to local disk, as the COPY text PostgreSQL will read, and only once the
// whole body is in (and its headers are good) does it take a database connection, for a COPY that
// runs at disk speed. A slow or stalled client therefore holds a file descriptor, never a pooled
// connection inside an open transaction.
//
// The spool also resolves duplicate keys within a file (court + case number, court + source id): the
// last line wins, and the earlier lines are never staged. Each row's key is hashed as it is written
// (8 bytes a row); at the end, equal hashes mark the few candidate rows, whose exact keys are read
// back from the file. A file without duplicates costs one sort of the hashes, nothing more.

export const SPOOL_PREFIX = "courtflow-upload-";
const FLUSH_CHARS = 256 * 1024;

/** A COPY text-format line. JSON.stringify escapes every control character, so only `\` needs doubling. */
export function copyLine(batchId: number, file: number, line: number, data: StagedData): string {
  return `${batchId}\t${file}\t${line}\t${JSON.stringify(data).replaceAll("\\", "\\\\")}\n`;
}

/** The staged data of a COPY line (the inverse of copyLine). */
export function parseCopyLine(text: string): { line: number; data: StagedData } {
  const a = text.indexOf("\t");
  const b = text.indexOf("\t", a + 1);
  const c = text.indexOf("\t", b + 1);
  return {
    line: Number(text.slice(b + 1, c)),
    data: JSON.parse(text.slice(c + 1).replaceAll("\\\\", "\\")) as StagedData,
  };
}

/** Positions in a staged row of each file's natural key (the spec's): court code, then case number or source id. */
const KEY_COLUMNS = Object.fromEntries(
  IMPORT_FILES.map((file) => {
    const spec = FILE_SPECS[file];
    const at = (name: string) => spec.columns.findIndex((c) => c.name === name);
    return [file, [at(spec.key[0]), at(spec.key[1])]];
  }),
) as Record<ImportFile, [number, number]>;

function keyOf(file: ImportFile, data: StagedData): string | null {
  if (!Array.isArray(data)) return null;
  const [a, b] = KEY_COLUMNS[file];
  const court = data[a];
  const id = data[b];
  return court == null || id == null ? null : `${court}\u0000${id}`;
}

/**
 * 53 bits of a row's key, from two 32-bit string hashes (FNV-1a and djb2) in one pass without
 * building the key: equal keys give equal hashes, and a collision only costs a look at the exact keys.
 */
function keyHash(court: string, id: string): number {
  let a = 0x811c9dc5;
  let b = 5381;
  for (const part of [court, id]) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      a = Math.imul(a ^ c, 16777619);
      b = (Math.imul(b, 33) ^ c) | 0;
    }
    // A separator, so ("D1", "2x") and ("D12", "x") differ.
    a = Math.imul(a ^ 0xffff, 16777619);
    b = (Math.imul(b, 33) ^ 0xffff) | 0;
  }
  return (a >>> 11) * 0x100000000 + (b >>> 0);
}

function rowHash(file: ImportFile, data: StagedData): number {
  if (!Array.isArray(data)) return Number.NaN;
  const [a, b] = KEY_COLUMNS[file];
  const court = data[a];
  const id = data[b];
  return court == null || id == null ? Number.NaN : keyHash(court, id);
}

/** One CSV file of the upload as written to disk. */
export interface SpooledFile {
  file: ImportFile;
  path: string;
  /** Rows written (every data row of the file). */
  rows: number;
  /** Rows whose key a later line of the file repeats: not staged. */
  superseded: number;
  /** Size of the COPY text on disk. */
  bytes: number;
  /** Present when the file has duplicate keys: 1 for each row (by position) not to stage. */
  drop: Uint8Array | null;
}

class SpoolWriter implements FileStager {
  private pending: string[] = [];
  private size = 0;
  bytes = 0;
  rows = 0;
  hashes = new Float64Array(1024);

  constructor(
    private readonly fh: FileHandle,
    readonly file: ImportFile,
    readonly path: string,
    private readonly batchId: number,
  ) {}

  add(line: number, data: StagedData): Promise<void> | undefined {
    const text = copyLine(this.batchId, IMPORT_FILE_CODES[this.file], line, data);
    if (this.rows === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.rows++] = rowHash(this.file, data);
    this.pending.push(text);
    this.size += text.length;
    return this.size >= FLUSH_CHARS ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.size = 0;
    const { bytesWritten } = await this.fh.write(text);
    this.bytes += bytesWritten;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }

  async abort(): Promise<void> {
    this.pending = [];
    await this.fh.close().catch(() => {});
  }
}

/** The lines of a spooled file, in order (each without its final newline). */
export async function* spoolLines(path: string): AsyncGenerator<string> {
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      yield text.slice(from, nl);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  if (rest) yield rest;
}

/**
 * Rows that a later row with the same exact key supersedes. Only rows whose key hash repeats are read
 * back (a file without duplicates costs the sort of its hashes and nothing more).
 */
async function duplicates(w: SpoolWriter): Promise<{ drop: Uint8Array | null; superseded: number }> {
  const hashes = w.hashes.subarray(0, w.rows);
  const sorted = Float64Array.from(hashes).sort();
  const dup = new Set<number>();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1] && !Number.isNaN(sorted[i]!)) dup.add(sorted[i]!);
  }
  if (dup.size === 0) return { drop: null, superseded: 0 };
  // Each candidate row's exact key as a small number, and the last row of each key.
  const keyIds = new Map<string, number>();
  const keyOfRow = new Int32Array(w.rows).fill(-1);
  const lastRow: number[] = [];
  let i = 0;
  for await (const text of spoolLines(w.path)) {
    const row = i++;
    if (!dup.has(hashes[row]!)) continue;
    const key = keyOf(w.file, parseCopyLine(text).data)!;
    let id = keyIds.get(key);
    if (id === undefined) {
      id = keyIds.size;
      keyIds.set(key, id);
    }
    keyOfRow[row] = id;
    lastRow[id] = row;
  }
  const drop = new Uint8Array(w.rows);
  let superseded = 0;
  for (let row = 0; row < w.rows; row++) {
    const id = keyOfRow[row]!;
    if (id >= 0 && lastRow[id] !== row) {
      drop[row] = 1;
      superseded++;
    }
  }
  return { drop, superseded };
}

/** Whether the row at position `i` of the file is to be staged. */
export function keepRow(f: SpooledFile, i: number): boolean {
  return f.drop === null || f.drop[i] === 0;
}

/** The files of one upload, in a directory of the spool. Remove it in a finally. */
export class UploadSpool {
  private readonly writers: SpoolWriter[] = [];
  private readonly token = crypto.randomUUID();

  constructor(
    private readonly dir: string,
    private readonly batchId: number,
  ) {}

  async open(file: ImportFile): Promise<FileStager> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `${SPOOL_PREFIX}${this.batchId}-${this.token}-${file}.copy`);
    const w = new SpoolWriter(await open(path, "wx", 0o600), file, path, this.batchId);
    this.writers.push(w);
    return w;
  }

  /** After every file was closed: their duplicate keys resolved. */
  async finish(): Promise<SpooledFile[]> {
    const out: SpooledFile[] = [];
    for (const w of this.writers) {
      const { drop, superseded } = await duplicates(w);
      out.push({ file: w.file, path: w.path, rows: w.rows, superseded, bytes: w.bytes, drop });
    }
    return out;
  }

  async remove(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.abort().then(() => unlink(w.path).catch(() => {}))));
  }
}

/**
 * Spool files a crashed process left behind (a live upload's file is younger than the upload
 * deadline). Best effort: a directory other processes share is only ever cleaned of our own names.
 */
export async function sweepSpool(dir: string, olderThanMs: number): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && Date.now() - info.mtimeMs > olderThanMs) {
      await unlink(path).catch(() => {});
      removed++;
    }
  }
  return removed;
}
