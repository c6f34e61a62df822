import { hashPassword } from "../../auth/passwords";
import type { UserRole } from "../schema/enums";

// Seeded logins. Development passwords are fixed and public (README), so a developer can log in
// without reading the seed's output; staging gets random ones, printed once by the seed.

export interface SeedUser {
  email: string;
  name: string;
  role: UserRole;
  /** Court code of the user's scope (court_admin and viewer), null = all courts. */
  courtCode: string | null;
  password: string;
}

export const DEV_USERS: readonly SeedUser[] = [
  {
    email: "admin@courtflow.dev",
    name: "Dev Admin",
    role: "admin",
    courtCode: null,
    password: "dev-admin-password",
  },
  {
    email: "court.admin@courtflow.dev",
    name: "Dev Court Admin (Ashford)",
    role: "court_admin",
    courtCode: "D01",
    password: "dev-court-admin-password",
  },
  {
    email: "analyst@courtflow.dev",
    name: "Dev Analyst",
    role: "analyst",
    courtCode: null,
    password: "dev-analyst-password",
  },
  {
    email: "viewer@courtflow.dev",
    name: "Dev Viewer (First Appellate District)",
    role: "viewer",
    courtCode: "APP-1",
    password: "dev-viewer-password",
  },
];

/** The same logins with fresh random passwords (24 characters), for shared environments. */
export function withRandomPasswords(users: readonly SeedUser[]): SeedUser[] {
  return users.map((u) => ({
    ...u,
    password: Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url"),
  }));
}

export interface HashedUser extends SeedUser {
  passwordHash: string;
}

/** argon2id through the auth module, so seeded users log in exactly like users created by the API. */
export async function hashUsers(users: readonly SeedUser[]): Promise<HashedUser[]> {
  return Promise.all(users.map(async (u) => ({ ...u, passwordHash: await hashPassword(u.password) })));
}
