/**
 * The HTTP transport: every command is carried as the matching REST call of Iggy's HTTP API
 * (http.md). {@linkcode IggyClient} hands it typed commands and gets typed results straight from
 * the JSON (no binary on the way); `request(code, payload)` still works for callers of the
 * byte-level {@linkcode Transport} interface. It uses only the web-standard `fetch`, so the
 * SDK runs over HTTP in browsers, Deno and Node alike.
 * @module
 */

import { ErrorCode, IggyError } from "./protocol/mod.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";
import type { Transport } from "./transport.ts";
import { type HttpCall, httpCall } from "./_http_routes.ts";
import {
  type Code,
  codecOf,
  type RequestOf,
  type ResultOf,
  setTypedCall,
} from "./_commands.ts";
import { identityFromJson, type JsonValue } from "./protocol/http_json/mod.ts";
import { answerFields, parseJson, stringifyJson } from "./_http_json.ts";

/**
 * Options of {@linkcode HttpTransport.connect}.
 *
 * @example Usage
 * ```ts ignore
 * const options: HttpTransportOptions = {
 *   url: "https://iggy.example.com:3000",
 *   timeout: 5000,
 * };
 * const client = new IggyClient(await HttpTransport.connect(options));
 * ```
 */
export interface HttpTransportOptions {
  /** The base URL, e.g. `"https://iggy.example.com:3000"`; when set, `hostname`, `port` and `secure` are ignored. */
  url?: string;
  /**
   * The server host name or IP address.
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The server port.
   * @default {3000}
   */
  port?: number;
  /**
   * Use `https://` (the server's `[http.tls]`); the certificate is verified by the platform.
   * @default {false}
   */
  secure?: boolean;
  /** Milliseconds to wait for each answer before failing with {@linkcode TimeoutError}; none when absent. */
  timeout?: number;
  /**
   * Run requests concurrently (HTTP connections in parallel); they may then take effect out of
   * order. By default requests go one at a time, so they take effect in the order they are made,
   * as over TCP (balanced partitioning and per-partition send order rely on it).
   * @default {false}
   */
  concurrent?: boolean;
}

/** Refresh the access token when it expires within this many seconds. */
const REFRESH_MARGIN_SECONDS = 60;

interface RawAnswer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

const decoder = new TextDecoder();

/**
 * Turns an HTTP error answer into an {@linkcode IggyError} (http.md §4): a JSON error body gives its
 * Iggy code (`id`) and `reason`; a bare 401 is 40 `Unauthenticated`, 403 is 41 `Unauthorized`, the
 * generic or an empty 404 is 20 `ResourceNotFound`; any other framework rejection (plain text 400,
 * 413, 415, 422, 5xx) is 300 `HttpResponseError` with the status and body.
 *
 * @param status The HTTP status (not 2xx).
 * @param body The response body text.
 * @returns The error to throw.
 */
export function httpError(status: number, body: string): IggyError {
  const error = errorBody(body);
  if (error !== undefined && error.id !== 404) {
    return new IggyError(error.id, error.reason);
  }
  switch (status) {
    case 401:
      return new IggyError(ErrorCode.Unauthenticated);
    case 403:
      return new IggyError(ErrorCode.Unauthorized);
    case 404:
      return new IggyError(ErrorCode.ResourceNotFound, error?.reason);
    default:
      return new IggyError(
        ErrorCode.HttpResponseError,
        `status ${status}${body.trim() === "" ? "" : `, body: ${body.trim()}`}`,
      );
  }
}

/** The `{id, code, reason, field}` error body, or undefined when the body is not one. */
function errorBody(body: string): { id: number; reason: string } | undefined {
  if (!body.trimStart().startsWith("{")) return undefined;
  try {
    const o = answerFields.asObject(parseJson(body), "error");
    if (typeof o.code !== "string") return undefined;
    return {
      id: answerFields.u32(o, "id"),
      reason: answerFields.str(o, "reason"),
    };
  } catch {
    return undefined;
  }
}

/** True for the generic not-found answer: empty, or `{"id":404,"code":"not_found",...}`. */
function isGenericNotFound(body: string): boolean {
  if (body.trim() === "") return true;
  return errorBody(body)?.id === 404;
}

/**
 * A {@linkcode Transport} over Iggy's REST API. Login (38/44) stores the returned JWT, which is sent
 * as `Authorization: Bearer` and refreshed shortly before it expires; logout revokes it. Commands
 * HTTP cannot express — GetMe, joining and leaving consumer groups, polling or offsets as a group —
 * reject with {@linkcode IggyError} 5 `FeatureUnavailable`.
 *
 * Differences from the binary transports come from the REST API itself: a message's
 * `originTimestamp` is set by the server, and HTTP requests are not client sessions (they do not
 * appear in `getClients()`).
 *
 * @example Usage
 * ```ts ignore
 * import { HttpTransport, IggyClient } from "@iggy/client";
 *
 * const transport = await HttpTransport.connect({ url: "http://127.0.0.1:3000" });
 * const client = new IggyClient(transport);
 * await client.login("iggy", "iggy");
 * await client.getStreams();
 * await client.close();
 * ```
 */
export class HttpTransport implements Transport {
  #base: string;
  #timeout: number | undefined;
  #concurrent: boolean;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  #abort = new AbortController();
  #inFlight = new Set<Promise<unknown>>();
  #token: string | undefined;
  #expiry = 0;
  #refreshing: Promise<void> | undefined;

  /**
   * Checks that the server answers `GET /ping` and returns the transport.
   *
   * @param options Where to connect and how.
   * @returns The transport.
   * @throws {ConnectionError} When the server cannot be reached.
   *
   * @example Usage
   * ```ts ignore
   * const transport = await HttpTransport.connect({ hostname: "127.0.0.1", port: 3000 });
   * const client = new IggyClient(transport);
   * ```
   */
  static async connect(
    options: HttpTransportOptions = {},
  ): Promise<HttpTransport> {
    const transport = new HttpTransport(options);
    try {
      await transport.request(1, new Uint8Array(0));
    } catch (err) {
      await transport.close();
      if (err instanceof ConnectionError) {
        throw new ConnectionError(
          `Cannot connect to "${transport.#base}": ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
    return transport;
  }

  /**
   * Creates the transport without contacting the server.
   *
   * @param options Where to send requests and how.
   * @throws {RangeError} On a timeout that is not a positive number.
   *
   * @example Usage
   * ```ts ignore
   * const transport = new HttpTransport({ url: "http://127.0.0.1:3000", timeout: 5000 });
   * const client = new IggyClient(transport);
   * await client.login("iggy", "iggy");
   * ```
   */
  constructor(options: HttpTransportOptions = {}) {
    if (
      options.timeout !== undefined &&
      !(Number.isFinite(options.timeout) && options.timeout > 0)
    ) {
      throw new RangeError(
        `Timeout must be a positive number of milliseconds: ${options.timeout}`,
      );
    }
    this.#base = (options.url ?? baseUrl(options)).replace(/\/+$/, "");
    this.#timeout = options.timeout;
    this.#concurrent = options.concurrent ?? false;
    setTypedCall(this, (code, command) => this.#call(code, command));
  }

  /**
   * True once the transport is closed.
   *
   * @example Usage
   * ```ts ignore
   * await transport.close();
   * console.log(transport.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Carries one binary command as its REST call; see {@linkcode Transport.request}. The payload is
   * decoded into the typed command and the typed result encoded back (the client itself skips
   * both: it hands this transport typed commands).
   *
   * @param code The command code.
   * @param payload The encoded request payload.
   * @returns The binary response payload.
   * @throws {IggyError} On an error answer (with the Iggy code of its body), 5 for commands HTTP
   * cannot express.
   * @throws {ConnectionError} When the transport is closed or the server cannot be reached.
   * @throws {TimeoutError} When the answer does not come within `timeout`.
   *
   * @example Usage
   * ```ts ignore
   * import { CommandCode } from "@iggy/client";
   *
   * await transport.request(CommandCode.Ping, new Uint8Array()); // resolves with an empty payload
   * ```
   */
  async request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    const codec = codecOf(code);
    const result = await this.#call(
      code as Code,
      codec.decodeRequest(payload) as never,
    );
    return codec.encodeResponse(result);
  }

  /** Carries one typed command as its REST call, one at a time unless concurrent. */
  #call<C extends Code>(code: C, command: RequestOf<C>): Promise<ResultOf<C>> {
    if (this.#closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    let call: HttpCall<ResultOf<C>>;
    try {
      call = httpCall(code, command);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = () => this.#track(this.#execute(call));
    if (this.#concurrent) return run();
    const answer = this.#tail.then(run);
    this.#tail = answer.catch(() => {});
    return answer;
  }

  /**
   * Closes the transport: requests in flight reject with {@linkcode ConnectionError}, later ones
   * too. The access token is forgotten, not revoked (call `logout()` first for that).
   *
   * @returns When every request in flight has settled.
   *
   * @example Usage
   * ```ts ignore
   * await client.logout(); // revokes the token on the server
   * await transport.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#token = undefined;
      this.#abort.abort();
    }
    await Promise.allSettled([...this.#inFlight]);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = () => this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  async #execute<R>(call: HttpCall<R>): Promise<R> {
    if (this.#closed) throw new ConnectionError("Connection is closed");
    if (call.session !== "public" && call.session !== "login") {
      await this.#refreshIfDue();
    }
    const answer = await this.#fetch(
      call.method,
      call.path,
      call.body,
      call.session !== "public" && call.session !== "login",
    );
    if (answer.status < 200 || answer.status > 299) {
      const text = decoder.decode(answer.bytes);
      if (answer.status === 404 && call.notFound !== undefined) {
        if (typeof call.notFound === "object") return call.notFound.result;
        if (isGenericNotFound(text)) throw new IggyError(call.notFound);
      }
      if (call.session === "logout" && answer.status === 401) {
        this.#token = undefined;
      }
      throw httpError(answer.status, text);
    }
    let parsed: JsonValue | undefined;
    const result = await call.answer({
      bytes: answer.bytes,
      headers: answer.headers,
      json: () => parsed ??= parseAnswer(answer.bytes),
      get: (path) => this.#get(path),
    });
    if (call.session === "login") this.#storeToken(parsed);
    else if (call.session === "logout") this.#token = undefined;
    return result;
  }

  async #get(path: string): Promise<JsonValue | undefined> {
    const answer = await this.#fetch("GET", path, undefined, true);
    if (answer.status === 404) return undefined;
    if (answer.status < 200 || answer.status > 299) {
      throw httpError(answer.status, decoder.decode(answer.bytes));
    }
    return parseAnswer(answer.bytes);
  }

  #storeToken(identity: JsonValue | undefined): void {
    const { token, expiry } = identityFromJson(
      answerFields.asObject(identity ?? null, "identity"),
      answerFields,
    );
    this.#token = token;
    this.#expiry = expiry;
  }

  /** Refreshes the JWT (once for all concurrent callers) when it is about to expire. */
  async #refreshIfDue(): Promise<void> {
    const token = this.#token;
    if (
      token === undefined ||
      this.#expiry - Date.now() / 1000 > REFRESH_MARGIN_SECONDS
    ) return;
    this.#refreshing ??= (async () => {
      try {
        const answer = await this.#fetch(
          "POST",
          "/users/refresh-token",
          { token },
          false,
        );
        if (answer.status === 200 && this.#token === token) {
          this.#storeToken(parseAnswer(answer.bytes));
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    await this.#refreshing;
  }

  async #fetch(
    method: string,
    path: string,
    body: unknown,
    auth: boolean,
  ): Promise<RawAnswer> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (auth && this.#token !== undefined) {
      headers.authorization = `Bearer ${this.#token}`;
    }
    const controller = new AbortController();
    const onClose = () => controller.abort();
    this.#abort.signal.addEventListener("abort", onClose);
    let timedOut = false;
    const timer = this.#timeout === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeout);
    try {
      const response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : stringifyJson(body),
        signal: controller.signal,
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { status: response.status, headers: response.headers, bytes };
    } catch (cause) {
      if (timedOut) {
        throw new TimeoutError(
          `No answer from the server within ${this.#timeout} ms`,
          { cause },
        );
      }
      if (this.#closed) {
        throw new ConnectionError("Connection closed by the client", {
          cause,
        });
      }
      throw new ConnectionError(
        `Cannot reach "${this.#base}": ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener("abort", onClose);
    }
  }
}

function parseAnswer(bytes: Uint8Array): JsonValue {
  const text = decoder.decode(bytes);
  try {
    return parseJson(text);
  } catch (cause) {
    throw new IggyError(
      ErrorCode.InvalidJsonResponse,
      text.length > 200 ? `${text.slice(0, 200)}…` : text,
      { cause },
    );
  }
}

function baseUrl(options: HttpTransportOptions): string {
  const hostname = options.hostname ?? "127.0.0.1";
  const host = hostname.includes(":") && !hostname.startsWith("[")
    ? `[${hostname}]`
    : hostname;
  return `${options.secure ? "https" : "http"}://${host}:${
    options.port ?? 3000
  }`;
}
