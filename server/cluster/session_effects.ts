/**
 * What a user change committed by another node does to this node's connections, as the command
 * handler does on the node that made it (`server/commands/users.ts`): a deleted user's connections
 * and those of a user whose password changed are closed; an inactive user's are logged out.
 * (Permission changes need nothing: every check reads the applied user.)
 * @module
 */

import { closeSessionsOf } from "../commands/_user_access.ts";
import { signOut } from "../commands/context.ts";
import type { System } from "../domain/system.ts";
import type { MetadataEntry } from "../state/entries.ts";

/**
 * The session effect of `entry`, worked out before it is applied (it compares with the user
 * record it replaces); run the result once it is applied.
 */
export function remoteSessionEffect(
  system: System,
  entry: MetadataEntry,
): (() => void) | undefined {
  switch (entry.type) {
    case "DeleteUser":
      return () => closeSessionsOf(system, entry.id);
    case "UpdateUser": {
      const before = system.users.get(entry.user.id);
      const { id } = entry.user;
      if (before && before.passwordVersion !== entry.user.passwordVersion) {
        return () => closeSessionsOf(system, id);
      }
      if (entry.user.status !== 1) {
        return () => {
          for (const session of system.clients.values()) {
            if (session.userId === id) signOut(session);
          }
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
