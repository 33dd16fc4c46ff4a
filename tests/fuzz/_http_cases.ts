/**
 * HTTP fuzz cases: a route of the API with its parameters filled in (sometimes with hostile values)
 * and a malformed body: broken or deeply nested JSON, wrong types, huge numbers, random bytes,
 * wrong content types, and bodies over the route's size limit.
 * @module
 */

import { below, pick, type Protected, type Random } from "./_cases.ts";
import { ROOT } from "./_corpus.ts";

/** A route of the API, as Hono lists it. */
export interface HttpRoute {
  method: string;
  path: string;
}

/** One HTTP request to send. */
export interface HttpCase {
  /** The route it exercises. */
  route: HttpRoute;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  /** Whether to send the harness's bearer token. */
  authenticated: boolean;
  /** True when the body is over the limit that applies, so the answer must be 413. */
  tooLarge: boolean;
  /** What the body is, for failure messages. */
  description: string;
}

/** Paths open without a token (server/http/app.ts): their body limit is the pre-login cap. */
const PUBLIC = new Set([
  "/users/login",
  "/users/refresh-token",
  "/personal-access-tokens/login",
]);
/** Defaults of `[http] max_request_size` and `[request_limits] max_unauthenticated_size`. */
const MAX_REQUEST_SIZE = 2_000_000;
const MAX_UNAUTHENTICATED_SIZE = 4096;

const PARAMS: Record<string, readonly string[]> = {
  stream_id: [
    "1",
    "fuzz",
    "2",
    "0",
    "4294967296",
    "-1",
    "%00",
    "x".repeat(300),
  ],
  topic_id: ["t", "1", "0", "99999999999999999999", "t%2F"],
  partition_id: ["0", "1", "4294967295", "-5", "1.5"],
  group_id: ["g", "1", "0", "g%20"],
  user_id: ["fuzzer", "2", "999", "0", "4294967296"],
  client_id: ["1", "0", "4294967295", "abc"],
  consumer_id: ["7", "x", "0"],
  name: ["fuzz-pat", "other", "%FF"],
  fsync: ["true", "false", "maybe"],
};

const KEYS = [
  "name",
  "partitions_count",
  "compression_algorithm",
  "message_expiry",
  "max_topic_size",
  "replication_factor",
  "username",
  "password",
  "current_password",
  "new_password",
  "status",
  "permissions",
  "expiry",
  "token",
  "partitioning",
  "messages",
  "payload",
  "headers",
  "id",
  "kind",
  "value",
  "consumer",
  "partition_id",
  "offset",
  "global",
  "streams",
];

const QUERY_KEYS = [
  "consumer_id",
  "consumer_kind",
  "partition_id",
  "polling_kind",
  "value",
  "count",
  "auto_commit",
];

function scalar(random: Random, depth: number): string {
  switch (below(random, 12)) {
    case 0:
      return pick(random, ["0", "1", "-1", "255", "65536", "1000", "1001"]);
    case 1:
      return pick(random, [
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "18446744073709551616",
        "340282366920938463463374607431768211456",
        "1e309",
        "-0",
        "1.5",
        "9007199254740993",
      ]);
    case 2:
      return JSON.stringify("x".repeat(below(random, 300)));
    case 3:
      return pick(random, ["true", "false", "null"]);
    case 4:
      return JSON.stringify(
        pick(random, [
          "",
          "balanced",
          "partition_id",
          "messages_key",
          "offset",
          "none",
          "gzip",
          "AAAA",
          "==",
        ]),
      );
    case 5:
      return depth < 3 ? object(random, depth + 1) : "{}";
    case 6:
      return depth < 3
        ? `[${
          Array.from({ length: below(random, 4) }, () =>
            scalar(random, depth + 1))
            .join(",")
        }]`
        : "[]";
    case 7:
      return JSON.stringify(
        btoa(String.fromCharCode(...randomBytes(random, below(random, 40)))),
      );
    default:
      return String(below(random, 10));
  }
}

function object(random: Random, depth: number): string {
  const n = below(random, 7);
  const fields: string[] = [];
  for (let i = 0; i < n; i++) {
    fields.push(
      `${JSON.stringify(pick(random, KEYS))}:${scalar(random, depth)}`,
    );
  }
  return `{${fields.join(",")}}`;
}

function randomBytes(random: Random, n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = below(random, 256);
  return out;
}

const encoder = new TextEncoder();

/**
 * A login body with plausible credentials gets the valid ones: a failed login would engage the
 * per-address login throttle and slow down every later case.
 */
function shieldLogin(path: string, text: string, own: Protected): string {
  if (path !== "/users/login" && path !== "/personal-access-tokens/login") {
    return text;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return text;
  }
  const body = value as Record<string, unknown>;
  if (typeof body.username === "string") body.username = ROOT.username;
  if (typeof body.password === "string") body.password = ROOT.password;
  if (typeof body.token === "string") body.token = own.token;
  return JSON.stringify(body);
}

/** Makes one HTTP case from `random` over `routes`. */
export function httpCase(
  random: Random,
  routes: readonly HttpRoute[],
  own: Protected,
): HttpCase {
  const route = pick(random, routes);
  let path = route.path.replace(
    /:([a-z_]+)/g,
    (_, name: string) => pick(random, PARAMS[name] ?? ["1"]),
  );
  if (route.method === "GET" && random() < 0.5) {
    const query = Array.from(
      { length: below(random, 5) },
      () =>
        `${pick(random, QUERY_KEYS)}=${
          encodeURIComponent(JSON.parse(`[${scalar(random, 3)}]`)[0] ?? "")
        }`,
    );
    if (query.length > 0) path += `?${query.join("&")}`;
  }
  const authenticated = PUBLIC.has(route.path) || random() < 0.9;
  const headers: Record<string, string> = {};
  const isPublic = PUBLIC.has(route.path);
  const limit = isPublic ? MAX_UNAUTHENTICATED_SIZE : MAX_REQUEST_SIZE;
  let body: Uint8Array<ArrayBuffer> | undefined;
  let description = "no body";
  let tooLarge = false;
  if (route.method !== "GET" && route.method !== "HEAD") {
    headers["content-type"] = random() < 0.85
      ? "application/json"
      : pick(random, [
        "text/plain",
        "application/json; charset=utf-8",
        "application/vnd.iggy+json",
        "multipart/form-data",
        "",
      ]);
    const roll = random();
    if (roll < 0.45) {
      body = encoder.encode(shieldLogin(route.path, object(random, 0), own));
      description = "random JSON object";
    } else if (roll < 0.6) {
      const text = object(random, 0);
      body = encoder.encode(text.slice(0, below(random, text.length + 1)));
      description = "truncated JSON";
    } else if (roll < 0.7) {
      body = randomBytes(random, below(random, 512));
      description = "random bytes";
    } else if (roll < 0.78) {
      const depth = Math.min(limit, 1 + below(random, 200_000));
      body = encoder.encode(
        random() < 0.5
          ? "[".repeat(depth)
          : '{"a":'.repeat(Math.floor(depth / 5)),
      );
      description = `nesting ${depth} deep`;
    } else if (roll < 0.85) {
      body = encoder.encode(scalar(random, 0));
      description = "a JSON scalar or array";
    } else if (roll < 0.92) {
      body = new Uint8Array(limit + 1 + below(random, 64)).fill(0x20);
      body[0] = 0x7b;
      description = `${body.length} B, over the ${limit} B limit`;
      // Without a token, a route behind authentication answers 401 before reading any body.
      tooLarge = authenticated || isPublic;
    } else {
      body = new Uint8Array(0);
      description = "empty body";
    }
  }
  return {
    route,
    method: route.method,
    path,
    headers,
    body,
    authenticated,
    tooLarge,
    description,
  };
}
