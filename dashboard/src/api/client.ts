import createClient from "openapi-fetch";
import { apiErrorOf } from "./errors";
import type { paths } from "./schema.gen";
import { tokens } from "./tokens";

// Every call of the dashboard goes through this client, typed from the OpenAPI document
// (schema.gen.ts): a changed path, parameter or body shape is a compile error in the dashboard.
// "application/json" picks the JSON media type of routes that also answer text/csv.

export const api = createClient<paths, "application/json">({ baseUrl: location.origin });

api.use({
  onRequest({ request }) {
    const t = tokens();
    if (t && !request.headers.has("Authorization"))
      request.headers.set("Authorization", `Bearer ${t.accessToken}`);
    return request;
  },
});

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Refreshes the session once; set by session.ts (which imports this module). */
let refreshOnce: () => Promise<boolean> = async () => false;
export function onUnauthenticated(refresh: () => Promise<boolean>): void {
  refreshOnce = refresh;
}

/**
 * Sends, and on a 401 refreshes the token pair once and sends again. Resolves to the data of a 2xx
 * answer; rejects with an ApiError otherwise.
 */
export async function call<T>(send: () => Promise<Result<T>>): Promise<T> {
  let r = await send();
  if (r.response.status === 401 && tokens() && (await refreshOnce())) r = await send();
  if (r.response.ok) return r.data as T;
  throw apiErrorOf(r.response, r.error);
}
