// argon2id through Bun.password. Verifying against a fixed dummy hash when the user is unknown keeps
// "unknown email" and "wrong password" indistinguishable by timing.

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash).catch(() => false);
}

/**
 * An argon2id hash made with the same parameters as hashPassword (a test keeps them equal). Fixed
 * text rather than hashed on first use: hashing it then made the first unknown-email login of each
 * process cost two argon2 runs instead of one, which is the difference this exists to hide.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=65536,t=2,p=1$HwInQ3uPX+a80S3aA7CCpoJxBRCh91gfMjb0aDDboXg$XkRHIrseN5QzAIp2NkysY6v3ZlD3WLAcwjxcc/GfpiM";

/** Spends the same time as a real verification, for the unknown-user path. Always false. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}
