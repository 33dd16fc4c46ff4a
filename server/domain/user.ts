/**
 * Users and personal access tokens.
 * @module
 */

import type { Permissions } from "../../client/protocol/permissions.ts";

/** A user account; only the password hash is kept. */
export interface UserAccount {
  id: number;
  /**
   * Which user holds `id`: new at every creation, never changed. Ids are reused (as 0.8.0 requires),
   * so sessions, JWTs and personal access tokens name a user by id and incarnation, and a user
   * created at a reused id is a different principal.
   */
  incarnation: string;
  /** Bumped by every password change: JWTs carry it, so a change revokes the older ones. */
  passwordVersion: number;
  username: string;
  passwordHash: string;
  status: number;
  createdAt: bigint;
  permissions?: Permissions;
}

/** A fresh {@linkcode UserAccount.incarnation}. */
export function newIncarnation(): string {
  return crypto.randomUUID();
}

/**
 * The incarnation of a user stored before incarnations existed: derived from its creation time,
 * so that it is the same at every start without a rewrite of the metadata.
 */
export function legacyIncarnation(createdAt: bigint): string {
  return `created-${createdAt}`;
}

/** A personal access token; only the hash of the secret is kept. */
export interface AccessToken {
  userId: number;
  /** The owner's incarnation; a token without one predates incarnations. */
  userIncarnation?: string;
  name: string;
  tokenHash: string;
  /** Absolute expiry in µs; undefined = never. */
  expiryAt?: bigint;
}
