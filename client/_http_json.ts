/**
 * JSON in and out for the HTTP transport: lossless parsing (u64/u128 stay exact; the codec's
 * serializer writes them back) and the answer field readers (the codec's, rejecting with 302
 * `InvalidJsonResponse`). Web-standard only, so the SDK still runs in browsers.
 * @module
 */

import { parse } from "lossless-json";
import { ErrorCode, IggyError } from "./protocol/mod.ts";
import {
  JSON_SOURCE_ACCESS,
  JsonFields,
  type JsonValue,
  parseJsonExact,
} from "./protocol/http_json/mod.ts";

function parseNumber(text: string): number | bigint {
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/**
 * Parses JSON text; integers become `bigint` so no u64/u128 loses precision. Uses the runtime's
 * parser where it gives source text access, `lossless-json` elsewhere (older browsers).
 */
export function parseJson(text: string): JsonValue {
  return JSON_SOURCE_ACCESS
    ? parseJsonExact(text)
    : parse(text, null, parseNumber) as JsonValue;
}

export { stringifyJson } from "./protocol/http_json/mod.ts";

/** The readers of answer fields: a missing or mistyped field is 302 `InvalidJsonResponse`. */
export const answerFields: JsonFields = new JsonFields((message) => {
  throw new IggyError(ErrorCode.InvalidJsonResponse, message);
});
