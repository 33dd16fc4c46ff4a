/**
 * An in-process HTTP API over a System opened on a temp directory, for `app.request()` route tests.
 * @module
 */

import assert from "node:assert/strict";
import { loadConfig, type ServerConfig } from "../../../server/config.ts";
import { createLogger } from "../../../server/logger.ts";
import { System } from "../../../server/domain/system.ts";
import { U64_MAX } from "../../../server/config_values.ts";
import { createHttpApp, type HttpApi } from "../../../server/http/app.ts";
import { parseJson, stringifyJson } from "../../../server/http/json.ts";

/** A test API: the app, its system and a root token. */
export interface TestApi extends AsyncDisposable {
  api: HttpApi;
  system: System;
  config: ServerConfig;
  dataDir: string;
  /** A root access token. */
  token: string;
  /** Sends a request; `body` is serialized with lossless JSON. */
  request(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      token?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /** Sends a request and parses the JSON answer after checking the status. */
  json(
    method: string,
    path: string,
    status: number,
    options?: { body?: unknown; token?: string | null },
  ): Promise<unknown>;
  /** Builds a new app over the same data directory (a "restart" of the HTTP layer). */
  reopen(env?: Record<string, string>): Promise<HttpApi>;
}

/** Turns safe-range bigints into numbers, so expected JSON can be written with plain numbers. */
export function plain(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, plain(v)]),
    );
  }
  return value;
}

/** Opens a fresh system and API; `env` overrides the config (IGGY_* names). */
export async function openApi(
  env: Record<string, string> = {},
): Promise<TestApi> {
  const dataDir = await Deno.makeTempDir({ prefix: "iggy_http_test_" });
  const load = (extra: Record<string, string>) =>
    loadConfig({
      env: { IGGY_SYSTEM_PATH: dataDir, ...env, ...extra },
      cwd: dataDir,
      onWarning: () => {},
    });
  const config = await load({});
  const system = await System.open({
    dataDir,
    segmentSize: config.system.segment.size,
    enforceFsync: false,
    validateChecksum: false,
    stateFsync: false,
    topicDefaults: { messageExpiry: U64_MAX, maxTopicSize: U64_MAX },
    maxTokensPerUser: config.personalAccessToken.maxTokensPerUser,
    root: { username: "iggy", password: "iggy" },
    logger: createLogger("off", { write: () => {} }),
  });
  let api = createHttpApp(system, config);
  const test: TestApi = {
    get api() {
      return api;
    },
    system,
    config,
    dataDir,
    token: "",
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? test.token : options.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === "string"
          ? options.body
          : stringifyJson(options.body);
        headers["content-type"] ??= "application/json";
      }
      return await api.app.request(path, { method, headers, body });
    },
    async json(method, path, status, options) {
      const res = await test.request(method, path, options);
      const text = await res.text();
      assert.equal(res.status, status, `${method} ${path}: ${text}`);
      return plain(parseJson(text));
    },
    async reopen(extra = {}) {
      api = createHttpApp(system, await load(extra));
      return api;
    },
    async [Symbol.asyncDispose]() {
      await system.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
  const login = await test.json("POST", "/users/login", 200, {
    body: { username: "iggy", password: "iggy" },
    token: null,
  }) as { access_token: { token: string } };
  test.token = login.access_token.token;
  return test;
}
