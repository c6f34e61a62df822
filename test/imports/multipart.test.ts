import { describe, expect, test } from "bun:test";
import {
  BodyTooLargeError,
  MultipartError,
  multipartBoundary,
  multipartParts,
  readField,
} from "../../src/lib/multipart";

/** A real multipart body as Bun serialises FormData, re-chunked into pieces of `size` bytes. */
async function formBody(form: FormData, size: number) {
  const req = new Request("http://x/", { method: "POST", body: form });
  // Bun drops the Content-Type once the body is read: take the boundary first.
  const boundary = multipartBoundary(req.headers.get("content-type"))!;
  const bytes = new Uint8Array(await req.arrayBuffer());
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
      controller.close();
    },
  });
  return { stream, boundary, length: bytes.length };
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string, maxBytes = 1e9) {
  const out: { name: string; filename: string | null; contentType: string | null; text: string }[] = [];
  for await (const part of multipartParts(stream, boundary, { maxBytes })) {
    out.push({
      name: part.name,
      filename: part.filename,
      contentType: part.contentType,
      text: await readField(part, 1e9),
    });
  }
  return out;
}

describe("multipart reader", () => {
  // Content that looks like a boundary and has CRLFs must come through byte for byte.
  const tricky = "a,b\r\n--not-the-boundary\r\n\r\n1,2\r\n--";

  test("fields and files, whatever the chunk size", async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const form = new FormData();
      form.append("source", "cms");
      form.append("cases", new File([tricky], "cases.csv", { type: "text/csv" }));
      form.append("activities", new File([""], "a.csv", { type: "text/csv" }));
      const { stream, boundary } = await formBody(form, size);
      const parts = await collect(stream, boundary);
      expect(parts).toEqual([
        { name: "source", filename: null, contentType: null, text: "cms" },
        { name: "cases", filename: "cases.csv", contentType: "text/csv", text: tricky },
        { name: "activities", filename: "a.csv", contentType: "text/csv", text: "" },
      ]);
    }
  });

  test("a part the consumer does not read is skipped", async () => {
    const form = new FormData();
    form.append("cases", new File(["x".repeat(100_000)], "c.csv"));
    form.append("source", "after");
    const { stream, boundary } = await formBody(form, 1000);
    const names: string[] = [];
    for await (const part of multipartParts(stream, boundary, { maxBytes: 1e9 })) {
      names.push(part.name);
      if (part.name === "cases") {
        for await (const _ of part.data) break; // read one chunk, then give up on the part
      } else expect(await readField(part)).toBe("after");
    }
    expect(names).toEqual(["cases", "source"]);
  });

  test("the byte limit is enforced while streaming", async () => {
    const form = new FormData();
    form.append("cases", new File(["y".repeat(50_000)], "c.csv"));
    const { stream, boundary } = await formBody(form, 4096);
    await expect(collect(stream, boundary, 10_000)).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  test("a truncated body is an error", async () => {
    const form = new FormData();
    form.append("cases", new File(["abc"], "c.csv"));
    const req = new Request("http://x/", { method: "POST", body: form });
    const boundary = multipartBoundary(req.headers.get("content-type"))!;
    const bytes = new Uint8Array(await req.arrayBuffer()).slice(0, -20);
    await expect(collect(new Blob([bytes]).stream(), boundary)).rejects.toBeInstanceOf(MultipartError);
  });

  test("boundary from Content-Type", () => {
    expect(multipartBoundary('multipart/form-data; boundary="ab c"')).toBe("ab c");
    expect(multipartBoundary("multipart/form-data; charset=utf-8; boundary=xyz")).toBe("xyz");
    expect(multipartBoundary("application/json")).toBeNull();
    expect(multipartBoundary("multipart/form-data")).toBeNull();
  });
});
