/**
 * Lossless JSON in and out (u64/u128 stay exact), the request-body field readers (the shared codec's
 * {@linkcode JsonFields}, rejecting with the framework statuses of http.md §4.2), and path and query
 * values.
 * @module
 */

import type { Context } from "hono";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import type { Identifier } from "../../client/protocol/identifier.ts";
import {
  JsonFields,
  type JsonObject,
  type JsonValue,
  parseJsonExact,
  stringifyJson,
} from "../../client/protocol/http_json/mod.ts";

export type {
  JsonObject,
  JsonValue,
} from "../../client/protocol/http_json/mod.ts";
export {
  f32Json,
  formatByteSize,
  stringifyJson,
} from "../../client/protocol/http_json/mod.ts";

/** A framework-level rejection: a status with a plain-text body (not the JSON error format). */
export class HttpReject extends Error {
  /** The HTTP status. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpReject";
    this.status = status;
  }
}

/** 422: well-formed JSON of the wrong shape. */
export function unprocessable(message: string): never {
  throw new HttpReject(
    422,
    `Failed to deserialize the JSON body into the target type: ${message}`,
  );
}

/** 400: a bad query string or path segment. */
export function badRequest(message: string): never {
  throw new HttpReject(400, message);
}

/**
 * Parses JSON text without losing integer precision; throws `SyntaxError` on bad syntax. The server
 * runs on Deno, whose `JSON.parse` gives revivers the source text (no JavaScript parser needed).
 */
export function parseJson(text: string): JsonValue {
  return parseJsonExact(text);
}

/** A JSON response with lossless numbers. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(stringifyJson(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Reads the request body as a JSON object: 415 without `application/json`, 400 on bad syntax, 422 when not an object. */
export async function readBody(c: Context): Promise<JsonObject> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new HttpReject(
      415,
      "Expected request with `Content-Type: application/json`",
    );
  }
  const text = await c.req.text();
  let value: JsonValue;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new HttpReject(
      400,
      `Failed to parse the request body as JSON: ${(err as Error).message}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    unprocessable("expected an object");
  }
  return value;
}

/**
 * The request-body field readers (the codec's {@linkcode JsonFields}): a missing or mistyped field
 * is a 422, base64 must be canonical.
 */
export const read: JsonFields = new JsonFields(unprocessable, {
  strictBase64: true,
});

// --- path and query values ---

const encoder = new TextEncoder();

/** A path identifier: all digits and within u32 → numeric id, otherwise a 1..255-byte name (else error 6). */
export function parseIdentifier(text: string): Identifier {
  if (/^\d+$/.test(text) && text.length <= 10 && Number(text) <= 0xffff_ffff) {
    return Number(text);
  }
  const length = encoder.encode(text).length;
  if (length < 1 || length > 255) {
    throw new IggyError(ErrorCode.InvalidIdentifier, `"${text}"`);
  }
  return text;
}

/** A plain u32 path segment or query value; 400 otherwise. */
export function parseU32(text: string | undefined, name: string): number {
  if (
    text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > 0xffff_ffff
  ) {
    badRequest(`Invalid value for \`${name}\`: expected a u32`);
  }
  return Number(text);
}

/** A u64 query value; 400 otherwise. */
export function parseU64(text: string, name: string): bigint {
  if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffff_ffff_ffff_ffffn) {
    badRequest(`Invalid value for \`${name}\`: expected a u64`);
  }
  return BigInt(text);
}

/** A `true`/`false` query value; 400 otherwise. */
export function parseBool(text: string, name: string): boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  return badRequest(`Invalid value for \`${name}\`: expected true or false`);
}
