/**
 * What every binary transport does with a request frame once its bytes are in: check the header
 * against the size caps, then {@linkcode handleFrame} (heartbeat, dispatch through the command
 * table, errors mapped to Iggy codes, stale clients let go). A transport only reads bytes, calls
 * these, and writes the {@linkcode Answer} its own way.
 *
 * A new transport (such as a node-to-node channel) is one more caller: it makes a
 * {@linkcode BinaryContext} per connection ({@linkcode listenerContext} plus the connection's
 * session and memory) and calls {@linkcode handleFrame} for each request it reads.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/mod.ts";
import type { Logger } from "../logger.ts";
import type { System } from "../domain/system.ts";
import type { CommandContext } from "../commands/context.ts";
import type { RequestMemory } from "../storage/message_memory.ts";
import { isIoError, storageError } from "../storage/io_errors.ts";
import type { Answer, RequestHeader } from "./framing.ts";
import {
  checkRequestSize,
  DEFAULT_REQUEST_LIMITS,
  isAuthenticated,
  type RequestLimits,
} from "./request_limits.ts";
import type { Session } from "./session.ts";
import { dispatch } from "./table.ts";

/**
 * The memory of a connection, as its transport and this layer use it besides what handlers use:
 * storage's `MessageMemory` (one per connection that serves one request at a time) or
 * `FreshMemory` (new buffers), handed in by `server.ts`.
 */
export interface ConnectionMemory extends RequestMemory {
  /**
   * A buffer of `size` bytes to receive a request payload into, lent until
   * {@linkcode ConnectionMemory.release}.
   * @throws {StaleMemoryError} when the previous request buffer was not released
   */
  request(size: number): Uint8Array;
  /** Starts the answer of a new request: answer regions handed out before may be reused. */
  startAnswer(): void;
  /** Ends a request: its request buffer may be reused (and moved) by the next one. */
  release(): void;
  /**
   * The whole answer frame as one view (its 8 header bytes still to write) when `chunks` were
   * laid out in this memory's answer regions; `undefined` otherwise.
   */
  frameOf(chunks: Uint8Array[]): Uint8Array | undefined;
}

/** One binary connection as the binary layer serves it; its transport makes it at connect time. */
export interface BinaryContext extends CommandContext {
  session: Session;
  /** The connection's memory. */
  memory: ConnectionMemory;
  /** The request payload caps. */
  limits: RequestLimits;
  /** Where client mistakes are logged (the listener's counted log). */
  log: Pick<Logger, "warn">;
  /** Where unexpected failures are logged (the transport's module). */
  logger: Logger;
}

/** What the connections of one listener share: their context but the session and the memory. */
export type ListenerContext = Omit<BinaryContext, "session" | "memory">;

/**
 * The shared context of a listener's connections.
 *
 * @param system The running system.
 * @param options The listener's module name (for its unexpected failures), its counted log of
 *   client mistakes and the request caps (the defaults when absent).
 * @returns The context each connection completes with its session and memory.
 */
export function listenerContext(
  system: System,
  options: {
    module: string;
    log: Pick<Logger, "warn">;
    limits?: RequestLimits;
  },
): ListenerContext {
  return {
    system,
    limits: options.limits ?? DEFAULT_REQUEST_LIMITS,
    log: options.log,
    logger: system.logger.module(options.module),
  };
}

const NO_CHUNKS: Uint8Array[] = [];

/**
 * Checks a request's payload length against the caps, before a byte of it is read
 * (see `request_limits.ts`). A refused request is logged once, answered with its error code, and
 * its connection closed: its payload is never read, so nothing in it is taken for a request.
 *
 * @param ctx The connection.
 * @param header The request header.
 * @returns The answer of a refused request, or `undefined` when its payload may be read.
 */
export function refuseOversized(
  ctx: BinaryContext,
  header: RequestHeader,
): Answer | undefined {
  const refused = checkRequestSize(ctx.limits, {
    code: header.code,
    payloadLength: header.payloadLength,
    authenticated: isAuthenticated(ctx.system, ctx.session),
  });
  if (!refused) return undefined;
  ctx.log.warn("Closing connection: oversized payload", {
    client: ctx.session.address,
    code: header.code,
    reason: refused.reason,
  });
  return { status: refused.status, chunks: NO_CHUNKS, close: true };
}

/**
 * Handles one request whose payload has been read: marks the heartbeat, dispatches through the
 * command table and answers. A failure becomes its Iggy error code (an unexpected one is logged); a
 * stale or removed client is answered and its connection closed. The connection's request buffer
 * is released once the handler is done.
 *
 * @param ctx The connection.
 * @param header The request header.
 * @param payload The request payload (possibly lent by `ctx.memory`).
 * @returns The answer to write.
 */
export async function handleFrame(
  ctx: BinaryContext,
  header: RequestHeader,
  payload: Uint8Array,
): Promise<Answer> {
  ctx.session.lastHeartbeat = Date.now();
  ctx.memory.startAnswer();
  try {
    const chunks = await dispatch(ctx, header.code, payload);
    return { status: 0, chunks, close: false };
  } catch (err) {
    const status = errorCodeOf(ctx, err, header.code);
    return {
      status,
      chunks: NO_CHUNKS,
      close: status === ErrorCode.StaleClient ||
        status === ErrorCode.ClientNotFound,
    };
  } finally {
    ctx.memory.release();
  }
}

/** Maps anything a handler threw to an Iggy error code, logging unexpected failures. */
function errorCodeOf(ctx: BinaryContext, err: unknown, code: number): number {
  if (err instanceof IggyError) return err.code;
  if (isIoError(err)) {
    // A storage failure no handler mapped: one WARN line, the generic I/O code.
    return storageError(err, {
      code: ErrorCode.IoError,
      logger: ctx.system.logger,
      fields: { command: code },
    }).code;
  }
  ctx.logger.error("Command failed", {
    code,
    error: err instanceof Error ? err.stack ?? err.message : String(err),
  });
  return ErrorCode.Error;
}
