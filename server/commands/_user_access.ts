/**
 * What a user's deletion or password change takes away besides the record itself, as far as it is
 * not metadata: its open sessions on every binary transport (TCP, QUIC, WebSocket). Its personal
 * access tokens go with the metadata change (`state/apply.ts`: DeleteUser, and UpdateUser with a
 * new password version), and its JWTs need no list: they carry the user's incarnation and password
 * version, which no longer match (`server/http/app.ts` checks them on every request).
 * @module
 */

import type { System } from "../domain/system.ts";
import type { ClientHandle } from "../domain/client.ts";
import { signOut } from "./context.ts";

/**
 * Closes every connection logged in as `userId`, except `keep` (the caller's own, which stays open:
 * logged out when `logOutKept`). A request such a connection still has in flight is answered 30
 * `StaleClient`.
 * @returns how many connections were closed
 */
export function closeSessionsOf(
  system: System,
  userId: number,
  options: { keep?: ClientHandle; logOutKept?: boolean } = {},
): number {
  let closed = 0;
  for (const session of [...system.clients.values()]) {
    if (session.userId !== userId) continue;
    if (session === options.keep) {
      if (options.logOutKept) signOut(session);
      continue;
    }
    signOut(session);
    session.stale = true;
    system.removeClient(session);
    session.onClose?.();
    closed++;
  }
  return closed;
}
