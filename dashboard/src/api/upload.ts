import { apiErrorOf } from "./errors";
import type { paths } from "./schema.gen";
import { refreshSession } from "./session";
import { tokens } from "./tokens";

// POST /api/imports with upload progress. fetch() reports no upload progress, so this one call uses
// XMLHttpRequest; its answer types still come from the OpenAPI document.

type Upload = paths["/api/imports"]["post"];
export type UploadQueued = Upload["responses"][202]["content"]["application/json"];
export type UploadSeenBefore = Upload["responses"][200]["content"]["application/json"];
export type UploadFields = Pick<
  Upload["requestBody"]["content"]["multipart/form-data"],
  "source" | "extractDate"
>;

export interface UploadInput extends UploadFields {
  cases: File | null;
  activities: File | null;
  force: boolean;
}

export type UploadAnswer =
  | { kind: "queued"; batch: UploadQueued }
  | { kind: "seen"; batch: UploadSeenBefore };

function sendOnce(form: FormData, force: boolean, onProgress: (fraction: number) => void) {
  return new Promise<{ status: number; body: unknown; response: Response }>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", force ? "/api/imports?force=true" : "/api/imports");
    const t = tokens();
    if (t) xhr.setRequestHeader("Authorization", `Bearer ${t.accessToken}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      const headers = new Headers();
      for (const name of ["retry-after", "x-request-id"]) {
        const v = xhr.getResponseHeader(name);
        if (v) headers.set(name, v);
      }
      resolve({ status: xhr.status, body, response: new Response(null, { status: xhr.status, headers }) });
    };
    xhr.send(form);
  });
}

export async function uploadImport(
  input: UploadInput,
  onProgress: (fraction: number) => void,
): Promise<UploadAnswer> {
  const form = new FormData();
  form.set("source", input.source);
  form.set("extractDate", input.extractDate);
  if (input.cases) form.set("cases", input.cases, input.cases.name);
  if (input.activities) form.set("activities", input.activities, input.activities.name);
  let r = await sendOnce(form, input.force, onProgress);
  if (r.status === 401 && tokens() && (await refreshSession()))
    r = await sendOnce(form, input.force, onProgress);
  if (r.status === 202) return { kind: "queued", batch: r.body as UploadQueued };
  if (r.status === 200) return { kind: "seen", batch: r.body as UploadSeenBefore };
  throw apiErrorOf(r.response, r.body);
}
