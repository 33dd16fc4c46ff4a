/**
 * Users and personal access tokens.
 * @module
 */

import type { Permissions } from "../../client/protocol/permissions.ts";

/** A user account; only the password hash is kept. */
export interface UserAccount {
  id: number;
  username: string;
  passwordHash: string;
  status: number;
  createdAt: bigint;
  permissions?: Permissions;
}

/** A personal access token; only the hash of the secret is kept. */
export interface AccessToken {
  userId: number;
  name: string;
  tokenHash: string;
  /** Absolute expiry in µs; undefined = never. */
  expiryAt?: bigint;
}
