/**
 * In a cluster, the answers a node may give only because it has not applied a metadata change
 * made through another node yet (its copy follows etcd a few milliseconds behind): the binary
 * dispatcher and the HTTP message routes catch up and run such a command again.
 * @module
 */

import {
  CommandCode,
  ErrorCode,
  IggyError,
  isNotFound,
} from "../../client/protocol/mod.ts";

/**
 * True for the errors a cluster node may answer only because it has not applied a change yet:
 * something not found, a permission not granted yet, a user's password not known yet.
 */
export function mayLagBehind(code: number, err: unknown): boolean {
  if (!(err instanceof IggyError)) return false;
  return isNotFound(err) || err.code === ErrorCode.Unauthorized ||
    (code === CommandCode.LoginUser &&
      err.code === ErrorCode.InvalidCredentials);
}
