/**
 * Size caps of binary request payloads, shared by every binary transport (TCP, TLS, QUIC,
 * WebSocket): checked on the 8-byte frame header, before a single payload byte is read or buffered.
 *
 * - Before login only small requests are read (`[request_limits] max_unauthenticated_size`): every
 *   pre-login command (Ping, LoginUser, LoginWithPersonalAccessToken) fits in a few hundred bytes,
 *   so a client that never logged in cannot make the server hold more than that.
 * - After login, SendMessages is capped by `[request_limits] max_send_messages_size` and every other
 *   command by the protocol's 10 MiB (binary.md §1.1).
 *
 * A request over its cap is answered with an error code and the connection is closed: its payload
 * is neither read nor skipped, so nothing in it can be taken for the next request.
 * @module
 */

import {
  CommandCode,
  ErrorCode,
  MAX_CONTROL_PAYLOAD,
} from "../../client/protocol/mod.ts";
import type { System } from "../domain/system.ts";
import type { ClientHandle } from "../domain/client.ts";

/** Payload caps in bytes (the payload is what follows the 8-byte frame header). */
export interface RequestLimits {
  /** Largest payload read before the connection has logged in. */
  maxUnauthenticatedSize: number;
  /** Largest SendMessages payload once logged in. */
  maxSendMessagesSize: number;
}

/** Default of `[request_limits] max_unauthenticated_size`: 4 KiB. */
export const DEFAULT_MAX_UNAUTHENTICATED_SIZE = 4 * 1024;
/**
 * Default of `[request_limits] max_send_messages_size`: 64 MiB, room for one message of the
 * largest payload (64,000,000 bytes) with its header, index entry and metadata.
 */
export const DEFAULT_MAX_SEND_MESSAGES_SIZE = 64 * 1024 * 1024;
/** Largest allowed `max_send_messages_size` (1 GiB): what a connection's receive memory can hold. */
export const MAX_SEND_MESSAGES_SIZE_LIMIT = 1024 * 1024 * 1024;
/** Smallest allowed `max_unauthenticated_size`: a LoginUser with 255-byte name and password fits. */
export const MIN_UNAUTHENTICATED_SIZE = 1024;

/** The caps of the default configuration. */
export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({
  maxUnauthenticatedSize: DEFAULT_MAX_UNAUTHENTICATED_SIZE,
  maxSendMessagesSize: DEFAULT_MAX_SEND_MESSAGES_SIZE,
});

/** Commands a client may send before it has logged in. */
const PRE_LOGIN_COMMANDS: ReadonlySet<number> = new Set([
  CommandCode.Ping,
  CommandCode.LoginUser,
  CommandCode.LoginWithPersonalAccessToken,
]);

/** A request refused on its header: the error code to answer with, and why (for the log). */
export interface OversizedRequest {
  /** Iggy error code of the answer. */
  status: number;
  /** Human-readable reason. */
  reason: string;
}

/** True when `session` has logged in as a user that still exists. */
export function isAuthenticated(
  system: System,
  session: ClientHandle,
): boolean {
  return session.userId !== undefined && system.users.has(session.userId);
}

/**
 * Checks a request's payload length against the caps; `undefined` when it may be read.
 *
 * Before login an oversized request is answered 40 (`Unauthenticated`), or 3 (`InvalidCommand`)
 * for a pre-login command; after login an oversized SendMessages is answered 4036
 * (`InvalidMessagesSize`) and any other command 3.
 *
 * @param limits The caps.
 * @param request The command code, the payload length (u32 read from the wire, minus 4) and
 *   whether the connection has logged in.
 * @returns The refusal, or `undefined`.
 */
export function checkRequestSize(
  limits: RequestLimits,
  request: { code: number; payloadLength: number; authenticated: boolean },
): OversizedRequest | undefined {
  const { code, payloadLength } = request;
  if (!request.authenticated) {
    if (payloadLength <= limits.maxUnauthenticatedSize) return undefined;
    return {
      status: PRE_LOGIN_COMMANDS.has(code)
        ? ErrorCode.InvalidCommand
        : ErrorCode.Unauthenticated,
      reason:
        `payload of ${payloadLength} B before login (limit ${limits.maxUnauthenticatedSize} B)`,
    };
  }
  if (code === CommandCode.SendMessages) {
    if (payloadLength <= limits.maxSendMessagesSize) return undefined;
    return {
      status: ErrorCode.InvalidMessagesSize,
      reason:
        `SendMessages payload of ${payloadLength} B (limit ${limits.maxSendMessagesSize} B)`,
    };
  }
  if (payloadLength <= MAX_CONTROL_PAYLOAD) return undefined;
  return {
    status: ErrorCode.InvalidCommand,
    reason: `payload of ${payloadLength} B (limit ${MAX_CONTROL_PAYLOAD} B)`,
  };
}
