import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

// Checks real responses against the OpenAPI document the app serves: the status must be declared
// (only a 5xx may fall to `default`), the media type must be one the response lists, the body must
// match its schema, and every header the response declares as required must be there.
//
// Objects are checked strictly: a field the document does not declare fails, as it would surprise a
// client generated from the document. zod's `.extend()` becomes `allOf` in the document; such
// schemas are merged into one object first so strictness applies to the merged field set.

// biome-ignore lint/suspicious/noExplicitAny: the document is plain JSON
type Json = Record<string, any>;

const DOC_ID = "https://courtflow.test/openapi.json";

function resolve(doc: Json, ref: string): Json {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((o: Json, k) => o[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
}

/** allOf of plain objects (and references to them) as one object schema. */
function mergeAllOf(doc: Json, schema: Json): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const merged: Json = { type: "object", properties: {}, required: [] as string[] };
  for (const part of schema.allOf as Json[]) {
    const member = mergeAllOf(doc, part.$ref ? resolve(doc, part.$ref) : part);
    if (member.$ref || (member.type !== undefined && member.type !== "object")) return schema;
    Object.assign(merged.properties, member.properties ?? {});
    merged.required.push(...(member.required ?? []));
    if (member.description) merged.description = member.description;
  }
  const { allOf: _allOf, ...rest } = schema;
  return { ...merged, ...rest, properties: merged.properties, required: [...new Set(merged.required)] };
}

function strict(doc: Json, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => strict(doc, n));
  if (!node || typeof node !== "object") return node;
  let schema = node as Json;
  if (schema.allOf) schema = mergeAllOf(doc, schema);
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) out[k] = strict(doc, v);
  if (out.properties && out.additionalProperties === undefined && !out.allOf)
    out.additionalProperties = false;
  return out;
}

export interface ResponseCheck {
  method: string;
  /** The templated path, as in the document (`/api/courts/{id}`). */
  path: string;
  status: number;
  headers: Headers;
  /** The body as text (empty string when there is none). */
  text: string;
}

export function responseValidator(document: Json) {
  const doc = structuredClone(document);
  const components = strict(doc, doc.components) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components }, DOC_ID);
  const compiled = new Map<string, ValidateFunction>();

  function validatorOf(key: string, schema: Json): ValidateFunction {
    let fn = compiled.get(key);
    if (!fn) {
      const rewritten = JSON.parse(
        JSON.stringify(strict(doc, schema)).replaceAll('"#/components/', `"${DOC_ID}#/components/`),
      );
      fn = ajv.compile(rewritten);
      compiled.set(key, fn);
    }
    return fn;
  }

  return {
    document: doc,
    /** Every way the response differs from the document (empty when it conforms). */
    check(r: ResponseCheck): string[] {
      const where = `${r.method.toUpperCase()} ${r.path} → ${r.status}`;
      const op: Json | undefined = doc.paths?.[r.path]?.[r.method.toLowerCase()];
      if (!op) return [`${where}: no such operation in the document`];
      let declared: Json | undefined = op.responses?.[String(r.status)];
      if (!declared && r.status >= 500) declared = op.responses?.default;
      if (!declared)
        return [`${where}: status not declared (declared: ${Object.keys(op.responses ?? {}).join(", ")})`];
      if (declared.$ref) declared = resolve(doc, declared.$ref);
      const problems: string[] = [];

      const headers = (declared.headers ?? {}) as Json;
      for (const [name, h] of Object.entries(headers)) {
        const spec = h.$ref ? resolve(doc, h.$ref) : h;
        if (spec.required && !r.headers.has(name)) problems.push(`${where}: required header ${name} missing`);
      }
      // The other way round too, for the headers a client acts on.
      for (const name of ["Location", "ETag", "Retry-After", "WWW-Authenticate", "Content-Disposition"])
        if (r.headers.has(name) && !(name in headers)) problems.push(`${where}: header ${name} not declared`);

      const content = declared.content as Json | undefined;
      if (!content) {
        if (r.text !== "") problems.push(`${where}: a body where the document declares none`);
        return problems;
      }
      const media = (r.headers.get("content-type") ?? "").split(";")[0]!.trim();
      const entry = content[media];
      if (!entry)
        return [
          ...problems,
          `${where}: media type ${media || "(none)"} not declared (${Object.keys(content).join(", ")})`,
        ];
      const body = media === "application/json" ? JSON.parse(r.text) : r.text;
      const validate = validatorOf(`${r.path} ${r.method} ${r.status} ${media}`, entry.schema ?? {});
      if (!validate(body)) {
        for (const e of validate.errors ?? [])
          problems.push(
            `${where}: body${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
          );
      }
      return problems;
    },
  };
}
