/**
 * What every route module shares: the Hono environment, the app's dependencies and small helpers
 * that turn a request into a handler context.
 * @module
 */

import type { Context, Hono } from "hono";
import {
  ClientTransport,
  ErrorCode,
  IggyError,
} from "../../client/protocol/mod.ts";
import type { ServerConfig } from "../config.ts";
import type { System } from "../domain/system.ts";
import type { Metrics } from "../metrics.ts";
import { Session } from "../binary/session.ts";
import type { CommandContext } from "../commands/context.ts";
import { FRESH_MEMORY } from "../storage/message_memory.ts";
import { GENERIC_NOT_FOUND } from "./errors.ts";
import { jsonResponse } from "./json.ts";
import type { TokenAuthority } from "./jwt.ts";

/** Per-request variables. */
export interface HttpVariables {
  /** The authenticated user (from the JWT `sub`). */
  userId: number;
  /** Its incarnation (from the JWT, checked against the user store). */
  userIncarnation: string;
  /** The JWT id of the caller's token. */
  jti: string;
  /** The caller's token expiry, Unix seconds. */
  exp: number;
  /** Extra values for error reasons, e.g. `name`. */
  errorArgs: Record<string, string>;
}

/** The Hono environment of the API. */
export interface HttpEnv {
  Variables: HttpVariables;
}

/** The Hono app type of the API. */
export type HttpApp = Hono<HttpEnv>;

/** The request context type of the API. */
export type HttpContext = Context<HttpEnv>;

/** What the routes need. */
export interface HttpDeps {
  system: System;
  config: ServerConfig;
  tokens: TokenAuthority;
  metrics: Metrics;
}

function remoteAddress(c: HttpContext): string {
  const info = c.env as
    | { remoteAddr?: { hostname?: string; port?: number } }
    | undefined;
  const addr = info?.remoteAddr;
  if (!addr?.hostname) return "0.0.0.0:0";
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/**
 * A handler context for this request: a stateless HTTP session (client id 0, transport 3) logged in
 * as the token's user, never registered as a client.
 */
export function commandContext(c: HttpContext, deps: HttpDeps): CommandContext {
  const session = new Session(0, ClientTransport.Http, remoteAddress(c));
  session.userId = c.get("userId");
  session.userIncarnation = c.get("userIncarnation");
  return { system: deps.system, session, memory: FRESH_MEMORY };
}

/** Records a value for error reasons (e.g. the `name` of a create). */
export function recordArg(c: HttpContext, key: string, value: string): void {
  c.set("errorArgs", { ...(c.get("errorArgs") ?? {}), [key]: value });
}

/** The generic 404 JSON body. */
export function notFound(): Response {
  return jsonResponse(GENERIC_NOT_FOUND, 404);
}

/** An empty answer. */
export function empty(status: 200 | 201 | 204): Response {
  return new Response(null, { status });
}

const encoder = new TextEncoder();

/** Throws `code` unless `name` is 1..255 UTF-8 bytes. */
export function checkName(name: string, code: number): void {
  const length = encoder.encode(name).length;
  if (length < 1 || length > 255) throw new IggyError(code, `length ${length}`);
}

/** Runs `fn`, turning a 1009 (missing stream) into the generic 404. */
export async function streamOrNotFound<T>(
  fn: () => Promise<T> | T,
): Promise<T | Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IggyError && err.code === ErrorCode.StreamIdNotFound) {
      return notFound();
    }
    throw err;
  }
}
