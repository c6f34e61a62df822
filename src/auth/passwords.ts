// argon2id through Bun.password. Verifying against a fixed dummy hash when the user is unknown keeps
// "unknown email" and "wrong password" indistinguishable by timing.

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash).catch(() => false);
}

let dummyHash: Promise<string> | null = null;

/** Spends the same time as a real verification, for the unknown-user path. Always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("courtflow-dummy-password-for-timing");
  await verifyPassword(password, await dummyHash);
  return false;
}
