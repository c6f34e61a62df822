import type { DbHandle } from "../client";
import { withSeedTransaction } from "./session";
import { hashUsers } from "./users";
import { sqlLiteral } from "./writer";

// `bun run users:create-admin`: the first admin of a services-mode database, so that the quick start
// ends with a working login. Never changes an existing user: run again with the same email, it says
// what is there and leaves it.

export type CreateAdminResult =
  | { created: true; id: number }
  | { created: false; id: number; role: string; active: boolean };

export async function createAdmin(
  handle: DbHandle,
  admin: { email: string; name: string; password: string },
): Promise<CreateAdminResult> {
  const [user] = await hashUsers([{ ...admin, role: "admin", courtCode: null }]);
  return withSeedTransaction(handle, async (s) => {
    // The unique index is on lower(email): a differently-cased existing email is the same user.
    const inserted = await s.query<{ id: number }>(
      `insert into users (email, name, password_hash, role)
       values (${sqlLiteral(user!.email)}, ${sqlLiteral(user!.name)}, ${sqlLiteral(user!.passwordHash)}, 'admin')
       on conflict ((lower(email))) do nothing
       returning id`,
    );
    if (inserted[0]) return { created: true, id: Number(inserted[0].id) };
    const [existing] = await s.query<{ id: number; role: string; active: boolean }>(
      `select id, role::text as role, active from users where lower(email) = lower(${sqlLiteral(user!.email)})`,
    );
    return { created: false, id: Number(existing!.id), role: existing!.role, active: existing!.active };
  });
}
