/**
 * The throttled password check every login takes (binary LoginUser and `POST /users/login`).
 * @module
 */

import type { System } from "../domain/system.ts";
import type { UserAccount } from "../domain/user.ts";

/** Identical attempts in flight, per system: one throttle slot and one argon2id run serve them all. */
const inFlight = new WeakMap<System, Map<string, Promise<boolean>>>();

/**
 * Checks `password` for `username` from `host` (the user, when it exists): admitted by the login
 * throttle, then verified on the password workers. `validate` runs once admitted, so input that is
 * rejected still counts as a failed attempt.
 *
 * Attempts identical in address, username and password that arrive while one is in flight share
 * its outcome rather than queueing their own (a reconnecting fleet logs in with one verification);
 * they learn nothing the first one does not, and attempts from another address never join.
 * @returns whether the password is right
 * @throws {IggyError} `TooManyLoginAttempts`, `LoginQueueFull`, or what `validate` throws
 */
export async function checkLogin(
  system: System,
  attempt: {
    host: string;
    username: string;
    password: string;
    user: UserAccount | undefined;
    validate: () => void;
  },
): Promise<boolean> {
  const { host, username, password, user } = attempt;
  const key = await system.passwords.credentialKey(
    password,
    `${host}\0${username}\0${user?.passwordHash ?? ""}`,
  );
  // From here to `pending.set` nothing awaits: one attempt starts, the identical ones join it.
  let pending = inFlight.get(system);
  if (!pending) inFlight.set(system, pending = new Map());
  const joined = pending.get(key);
  if (joined) return joined;
  const check = (async () => {
    const ticket = await system.loginThrottle.admit(host, username);
    let ok = false;
    try {
      attempt.validate();
      ok = await system.passwords.verify(password, user?.passwordHash);
    } finally {
      ticket.end(ok);
    }
    return ok;
  })().finally(() => pending.delete(key));
  pending.set(key, check);
  return check;
}
