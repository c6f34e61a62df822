import { hostileUploads, LONG_PART_HEADERS, longPartHeadersUpload } from "./hostile-uploads";
import type { Call } from "./load";

// The abuse catalogue: requests a hostile client sends. Every one must be refused cleanly (4xx) and
// none may change data: reads go with a real admin token (so the payload reaches validation and the
// queries), writes with an admin token only when their body is invalid by construction (a field of
// the wrong type or outside its vocabulary next to the hostile strings), and otherwise with tokens
// that must not pass (viewer, forged, expired).

export const INJECTIONS = [
  "' OR '1'='1",
  "1; DROP TABLE cases;--",
  "1' UNION SELECT password_hash, email FROM users--",
  '") OR 1=1 --',
  "'; SELECT pg_sleep(10);--",
  "1)); DELETE FROM courts;--",
  "admin'--",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text is the attack (Log4Shell).
  "${jndi:ldap://x/a}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "\u0000",
  "\uFFFF\uD800",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "-0",
  "1e309",
  "99999999999999999999999999",
  "-2147483649",
  "2147483648",
  "9007199254740993",
  "1.5",
  "0x10",
  " 1 ",
  "[]",
  "{}",
  "true",
  "null",
  "2024-02-30",
  "9999-99-99",
  "-infinity",
  "ǅ".repeat(3000),
];

/** Percent-encoded invalid UTF-8 (lone continuation, truncated, overlong, surrogate). */
export const INVALID_UTF8 = ["%FF", "%C3%28", "%E2%82", "%C0%AF", "%ED%A0%80", "%F8%88%80%80%80", "%00"];

/** encodeURIComponent, except that a lone surrogate (not encodable) is sent as its replacement. */
const enc = (s: string) => encodeURIComponent(s.toWellFormed());

/** List endpoints and their query parameters (from the OpenAPI document at the time of writing). */
export const QUERY_TARGETS: Record<string, string[]> = {
  "/api/cases": [
    "courtId",
    "judgeId",
    "caseType",
    "status",
    "filedFrom",
    "filedTo",
    "disposedFrom",
    "disposedTo",
    "minAgeDays",
    "maxAgeDays",
    "overStandard",
    "search",
    "sort",
    "limit",
    "cursor",
    "includeTotal",
    "format",
  ],
  "/api/courts": ["level", "active", "search", "limit", "cursor", "format"],
  "/api/judges": ["courtId", "active", "search", "limit", "cursor", "format"],
  "/api/users": ["role", "active", "courtId", "search", "cursor", "limit"],
  "/api/audit": ["userId", "action", "entity", "entityId", "from", "to", "cursor", "limit"],
  "/api/imports": ["status", "source", "from", "to", "createdBy", "cursor", "limit"],
  "/api/cases/1/activities": ["limit", "cursor", "format"],
  "/api/courts/tree": ["format"],
  "/api/time-standards": ["format"],
  "/api/system/queues": ["failed"],
};

export const ID_PATHS = [
  "/api/cases/{x}",
  "/api/cases/{x}/activities",
  "/api/courts/{x}",
  "/api/judges/{x}",
  "/api/users/{x}",
  "/api/imports/{x}",
  "/api/imports/{x}/errors",
];

export interface HostileContext {
  admin: string;
  viewer: string;
  /** Tokens that must all be refused with 401. */
  forged: string[];
  /** Extra GET routes found in the OpenAPI document (e.g. /api/measures/*) with their query names. */
  extraQueryTargets: Record<string, string[]>;
}

function get(path: string, token: string | null, label: string): Call {
  return { label, path, init: token ? { headers: { authorization: `Bearer ${token}` } } : {} };
}

function send(
  method: string,
  path: string,
  token: string | null,
  body: RequestInit["body"],
  type: string,
  label: string,
): Call {
  const headers: Record<string, string> = { "content-type": type };
  if (token) headers.authorization = `Bearer ${token}`;
  return { label, path, init: { method, headers, body } };
}

/** Hostile JSON bodies for the write routes, each invalid by construction (see the file comment). */
function invalidBodies(s: string): [string, string, unknown][] {
  return [
    ["POST", "/api/courts", { code: s, name: s, level: s, parentId: -1 }],
    ["PATCH", "/api/courts/1", { name: s, level: s, version: "x" }],
    ["POST", "/api/judges", { code: s, name: s, courtId: -5 }],
    ["PATCH", "/api/judges/1", { name: s, courtId: s, version: -1 }],
    ["POST", "/api/judges/1/assignments", { courtId: s, startsOn: s }],
    ["PATCH", "/api/judges/1/assignments/1", { endsOn: s, startsOn: 12 }],
    ["POST", "/api/users", { email: s, name: s, role: s, password: s }],
    ["PATCH", "/api/users/1", { role: s, courtId: s }],
    ["PUT", "/api/time-standards/felony", { tiers: s }],
    ["PUT", `/api/time-standards/${enc(s)}`, { tiers: [{ percent: s, days: -1 }] }],
    ["POST", "/api/auth/password", { currentPassword: 1, newPassword: s }],
    ["POST", "/api/auth/refresh", { refreshToken: s }],
    ["POST", "/api/imports/1/retry", { x: s }],
  ];
}

function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Builds the catalogue; the abuse scenario cycles through it. */
export function hostileCatalogue(ctx: HostileContext): Call[] {
  const calls: Call[] = [];
  const { admin, viewer } = ctx;
  const values = [...INJECTIONS.map(enc), ...INVALID_UTF8];

  // SQL injection, huge/negative numbers and invalid UTF-8 in every query parameter.
  const queryTargets = { ...QUERY_TARGETS, ...ctx.extraQueryTargets };
  for (const [path, params] of Object.entries(queryTargets)) {
    for (const p of params)
      for (const v of values) calls.push(get(`${path}?${p}=${v}`, admin, "query param"));
  }
  // … and in every path parameter.
  for (const template of ID_PATHS) {
    for (const v of values) calls.push(get(template.replace("{x}", v), admin, "path param"));
  }
  calls.push(get(`/api/time-standards/${enc("'; DROP TABLE time_standards;--")}`, admin, "path param"));

  // Write routes: invalid bodies with an admin token, and any body with a viewer token.
  for (const s of INJECTIONS) {
    for (const [method, path, body] of invalidBodies(s)) {
      calls.push(send(method, path, admin, JSON.stringify(body), "application/json", "invalid body"));
      calls.push(send(method, path, viewer, JSON.stringify(body), "application/json", "viewer write"));
    }
    calls.push(send("DELETE", `/api/users/${enc(s)}`, admin, "", "text/plain", "path param"));
    calls.push(send("DELETE", `/api/auth/sessions/${enc(s)}`, admin, "", "text/plain", "path param"));
    // Logins with hostile credentials (fail, leave an audit row, hit the login rate limit).
    calls.push(
      send(
        "POST",
        "/api/auth/login",
        null,
        JSON.stringify({ email: s, password: s }),
        "application/json",
        "login",
      ),
    );
    const real = JSON.stringify({ email: "analyst@courtflow.dev", password: s });
    calls.push(send("POST", "/api/auth/login", null, real, "application/json", "login"));
  }

  // Malformed, deeply nested, oversized and wrongly typed JSON.
  const jsonTargets = ["/api/courts", "/api/users", "/api/auth/login", "/api/judges"];
  const badJson = [
    "{",
    '{"email": "a@b.c", "password": }',
    "[".repeat(50_000) + "]".repeat(50_000),
    deepJson(20_000),
    `{"email":"${"a".repeat(900_000)}@x.org","password":"x"}`,
    `{"a":"${"b".repeat(2 * 1024 * 1024)}"}`,
    new Uint8Array([
      0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d,
    ]) as unknown as string,
    '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}',
    "null",
    "1e999999",
    '"just a string"',
  ];
  for (const path of jsonTargets) {
    for (const body of badJson) {
      calls.push(
        send("POST", path, path === "/api/auth/login" ? null : admin, body, "application/json", "bad json"),
      );
    }
    calls.push(send("POST", path, admin, "a=1&b=2", "application/x-www-form-urlencoded", "bad json"));
  }
  // A body without a length (chunked) beyond the limit.
  calls.push({
    label: "bad json",
    path: "/api/courts",
    init: {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: new Blob(["[", "1,".repeat(1024 * 1024), "1]"]).stream(),
    },
  });

  // Uploads: oversized, malformed multipart, not CSV, not UTF-8, no header, wrong fields.
  const uploads = hostileUploads();
  for (const [i, [body, type]] of uploads.entries()) {
    calls.push(send("POST", "/api/imports", admin, body, type, `upload ${i}`));
  }
  for (const [body, type] of uploads.slice(0, 3))
    calls.push(send("POST", "/api/imports", viewer, body, type, "upload"));
  const [longBody, longType] = longPartHeadersUpload();
  calls.push(send("POST", "/api/imports", admin, longBody, longType, LONG_PART_HEADERS));

  // Forged, expired, tampered and garbage tokens on reads and writes.
  for (const [i, token] of ctx.forged.entries()) {
    calls.push(get("/api/cases?limit=5", token, `forged token ${i}`));
    calls.push(get("/api/auth/me", token, "forged token"));
    calls.push(
      send(
        "POST",
        "/api/courts",
        token,
        '{"code":"F1","name":"Forged","level":"trial"}',
        "application/json",
        "forged token",
      ),
    );
    calls.push(send("POST", "/api/auth/logout-all", token, "", "application/json", "forged token"));
  }
  for (const header of [
    "Bearer",
    "Bearer ",
    "Basic YWRtaW46YWRtaW4=",
    "Bearer ' OR 1=1--",
    "bearer  x",
    `Bearer ${admin} ${admin}`,
  ]) {
    calls.push({ label: "forged token", path: "/api/cases", init: { headers: { authorization: header } } });
  }
  return calls;
}
