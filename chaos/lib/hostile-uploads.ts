// Hostile uploads for POST /api/imports: each must be refused before a batch exists (413, 415 or
// 400), so that the abuse scenario can require the database to be unchanged.

/** Label of the upload whose part headers exceed the multipart limit (checked by name). */
export const LONG_PART_HEADERS = "upload with long part headers";

type Upload = [RequestInit["body"], string];

const boundary = "----chaos";
const part = (name: string, filename: string, content: string | Uint8Array, type = "text/csv") =>
  new Blob([
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    content,
    "\r\n",
  ]);
const fields = `--${boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\nchaos\r\n--${boundary}\r\nContent-Disposition: form-data; name="extractDate"\r\n\r\n2026-06-30\r\n`;
const end = `--${boundary}--\r\n`;
const mp = `multipart/form-data; boundary=${boundary}`;
const casesHeader =
  "court_code,case_number,case_type,filed_on,status,status_on,judge_code,disposed_on,disposition\n";

/** Oversized (over IMPORT_MAX_BYTES = 1 MB), malformed multipart, not CSV, not UTF-8, no header, wrong fields. */
export function hostileUploads(): Upload[] {
  return [
    [
      new Blob([
        fields,
        part("cases", "cases.csv", casesHeader + "D01,X-1,felony,2024-01-01,active,,,,\n".repeat(80_000)),
        end,
      ]),
      mp,
    ],
    [new Blob([fields, part("cases", "cases.csv", casesHeader), end]).slice(0, 200), mp],
    [new Blob([fields, part("cases", "cases.csv", casesHeader)]), mp],
    [new Blob([fields, part("cases", "cases.csv", casesHeader), end]), "multipart/form-data"],
    [new Blob([fields, part("cases", "cases.csv", casesHeader), end]), "multipart/form-data; boundary=other"],
    [
      new Blob([
        fields,
        part("cases", "cases.csv", new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28])),
        end,
      ]),
      mp,
    ],
    [new Blob([fields, part("cases", "cases.csv", "this,is,not\nthe,expected,header\n"), end]), mp],
    [new Blob([fields, part("cases", "cases.pdf", "%PDF-1.4 ...", "application/pdf"), end]), mp],
    [new Blob([fields, part("evil", "evil.csv", casesHeader), end]), mp],
    [
      new Blob([
        `--${boundary}\r\nContent-Disposition: form-data; name="source"\r\n\r\n${"' OR 1=1--".repeat(10)}\r\n`,
        end,
      ]),
      mp,
    ],
    [new Blob([fields, `--${boundary}\r\n${"X-Header: y\r\n".repeat(5000)}\r\n\r\n`, end]), mp],
    [new Uint8Array(4096).map((_, i) => (i * 7919) & 255), mp],
    [new Blob([fields, end]), mp],
    ["{}", "application/json"],
  ];
}

/** A valid header-only file under a 70 000-character filename: part headers over the 16 KB limit. */
export function longPartHeadersUpload(): Upload {
  return [new Blob([fields, part("cases", "x".repeat(70_000), casesHeader), end]), mp];
}
