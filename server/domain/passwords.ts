/**
 * Password and token hashing: argon2id for passwords, BLAKE3 for personal access tokens.
 * @module
 */

import { argon2id, argon2Verify, blake3 } from "hash-wasm";

/** Hashes a password with argon2id and a random salt (PHC string). */
export function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return argon2id({
    password,
    salt,
    parallelism: 1,
    iterations: 2,
    memorySize: 19 * 1024,
    hashLength: 32,
    outputType: "encoded",
  });
}

/** Verifies a password against a stored argon2id PHC string. */
export async function verifyPassword(
  password: string,
  hash: string,
): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}

/** Hex BLAKE3 of a token secret (only the hash is stored). */
export function hashToken(token: string): Promise<string> {
  return blake3(token);
}
