/**
 * A small etcd v3 client over etcd's JSON gateway (`POST /v3/...` with base64 keys and values),
 * using only `fetch`: key-value reads and writes, transactions, leases and watches. It tries the
 * configured endpoints in turn, so one etcd member being down is not an error.
 *
 * Why not `npm:etcd3`: it works under Deno, but pulls gRPC (`@grpc/grpc-js`, protobufjs, cockatiel)
 * into the server for five calls; the gateway is part of every etcd 3.4+ server, is ~1-2 ms a call
 * on this machine like the gRPC client, and its failures are plain `fetch` errors we can time out
 * with an `AbortSignal` (see `server/cluster/README.md`).
 * @module
 */

import {
  decodeBase64,
  toBase64,
} from "../../client/protocol/http_json/values.ts";

/** etcd could not be reached, or answered with an error. */
export class EtcdError extends Error {
  /**
   * @param message what failed
   * @param options the underlying error
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EtcdError";
  }
}

/** One key with its value and revisions. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  /** The lease the key is attached to ("0" when none). */
  lease: string;
}

/** One change seen by a watch. */
export interface WatchEvent {
  type: "PUT" | "DELETE";
  kv: KeyValue;
}

/** A condition of {@linkcode EtcdClient.txn}. */
export type Compare =
  | { key: string; createRevision: number; result?: "EQUAL" | "GREATER" }
  | { key: string; modRevision: number; result?: "EQUAL" | "GREATER" }
  | { key: string; value: string };

/** An operation of {@linkcode EtcdClient.txn}. */
export type Operation =
  | { put: { key: string; value: string; lease?: string } }
  | { range: { key: string; prefix?: boolean } }
  | { delete: { key: string; prefix?: boolean } };

/** What {@linkcode EtcdClient.txn} returns. */
export interface TxnResult {
  succeeded: boolean;
  /** The store's revision after the transaction. */
  revision: number;
  /** Key-values read by `range` operations, in order. */
  ranges: KeyValue[][];
}

/** Options of {@linkcode EtcdClient}. */
export interface EtcdClientOptions {
  /** Time allowed for one request (watches excepted). @default {3000} */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function b64(text: string): string {
  return toBase64(encoder.encode(text));
}

function unb64(text: string | undefined): string {
  return text ? decoder.decode(decodeBase64(text)) : "";
}

/** The smallest key after every key starting with `prefix` (etcd's `range_end` for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = encoder.encode(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = bytes.slice(0, i + 1);
      end[i]!++;
      return toBase64(end);
    }
  }
  return toBase64(new Uint8Array([0]));
}

function keyValue(raw: Json): KeyValue {
  return {
    key: unb64(raw.key as string),
    value: unb64(raw.value as string | undefined),
    createRevision: Number(raw.create_revision ?? 0),
    modRevision: Number(raw.mod_revision ?? 0),
    lease: String(raw.lease ?? "0"),
  };
}

function rangeRequest(key: string, prefix = false): Json {
  return prefix
    ? { key: b64(key), range_end: prefixEnd(key) }
    : { key: b64(key) };
}

function compareJson(c: Compare): Json {
  const base = { key: b64(c.key), result: "EQUAL" } as Json;
  if ("createRevision" in c) {
    return {
      ...base,
      result: c.result ?? "EQUAL",
      target: "CREATE",
      create_revision: String(c.createRevision),
    };
  }
  if ("modRevision" in c) {
    return {
      ...base,
      result: c.result ?? "EQUAL",
      target: "MOD",
      mod_revision: String(c.modRevision),
    };
  }
  return { ...base, target: "VALUE", value: b64(c.value) };
}

function operationJson(op: Operation): Json {
  if ("put" in op) {
    const { key, value, lease } = op.put;
    return {
      request_put: { key: b64(key), value: b64(value), lease: lease ?? "0" },
    };
  }
  if ("range" in op) {
    return { request_range: rangeRequest(op.range.key, op.range.prefix) };
  }
  return {
    request_delete_range: rangeRequest(op.delete.key, op.delete.prefix),
  };
}

/**
 * An etcd v3 client over the JSON gateway.
 * @example Usage
 * ```ts ignore
 * const etcd = new EtcdClient(["http://127.0.0.1:2379"]);
 * await etcd.put("/iggy/hello", "world");
 * ```
 */
export class EtcdClient {
  readonly #endpoints: string[];
  readonly #timeoutMs: number;
  /** Index of the endpoint that answered last. */
  #current = 0;

  /**
   * @param endpoints base URLs, e.g. `http://127.0.0.1:2379`
   * @param options request timeout
   */
  constructor(endpoints: string[], options: EtcdClientOptions = {}) {
    if (endpoints.length === 0) {
      throw new RangeError("At least one etcd endpoint is needed");
    }
    this.#endpoints = endpoints.map((e) => e.replace(/\/+$/, ""));
    this.#timeoutMs = options.timeoutMs ?? 3000;
  }

  /** The endpoints, as configured. */
  get endpoints(): readonly string[] {
    return this.#endpoints;
  }

  /**
   * Posts `body` to `path` on the current endpoint, moving on to the next on a network failure.
   * @throws {EtcdError} when no endpoint answers in time, or etcd answers with an error
   */
  async #call(path: string, body: Json, signal?: AbortSignal): Promise<Json> {
    let lastError: unknown;
    for (let tried = 0; tried < this.#endpoints.length; tried++) {
      const at = (this.#current + tried) % this.#endpoints.length;
      const url = `${this.#endpoints[at]}${path}`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
          signal: signal ?? AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        lastError = err;
        continue;
      }
      this.#current = at;
      const json = await response.json().catch(() => ({})) as Json;
      if (!response.ok || json.error !== undefined) {
        throw new EtcdError(
          `etcd ${path} failed: ${
            json.message ?? json.error ?? response.status
          }`,
        );
      }
      return json;
    }
    throw new EtcdError(
      `etcd is unreachable at ${this.#endpoints.join(", ")}: ${
        lastError instanceof Error ? lastError.message : String(lastError)
      }`,
      { cause: lastError },
    );
  }

  /** Sets `key` to `value`, attached to `lease` when given. @returns the new revision */
  async put(key: string, value: string, lease?: string): Promise<number> {
    const json = await this.#call("/v3/kv/put", {
      key: b64(key),
      value: b64(value),
      lease: lease ?? "0",
    });
    return Number((json.header as Json)?.revision ?? 0);
  }

  /** The value of `key`, or `undefined`. */
  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(key)).kvs[0];
  }

  /** Every key starting with `key` when `prefix`, else `key` alone, with the store revision. */
  async range(
    key: string,
    prefix = false,
  ): Promise<{ kvs: KeyValue[]; revision: number }> {
    const json = await this.#call("/v3/kv/range", rangeRequest(key, prefix));
    return {
      kvs: ((json.kvs ?? []) as Json[]).map(keyValue),
      revision: Number((json.header as Json)?.revision ?? 0),
    };
  }

  /** The keys from `start` (included) to the end of `prefix`, in key order. */
  async rangeFrom(
    start: string,
    prefix: string,
  ): Promise<{ kvs: KeyValue[]; revision: number }> {
    const json = await this.#call("/v3/kv/range", {
      key: b64(start),
      range_end: prefixEnd(prefix),
    });
    return {
      kvs: ((json.kvs ?? []) as Json[]).map(keyValue),
      revision: Number((json.header as Json)?.revision ?? 0),
    };
  }

  /** Deletes `key` (every key under it with `prefix`). */
  async delete(key: string, prefix = false): Promise<void> {
    await this.#call("/v3/kv/deleterange", rangeRequest(key, prefix));
  }

  /** If every `compare` holds, runs `success`, else `failure`; atomically. */
  async txn(
    compare: Compare[],
    success: Operation[],
    failure: Operation[] = [],
  ): Promise<TxnResult> {
    const json = await this.#call("/v3/kv/txn", {
      compare: compare.map(compareJson),
      success: success.map(operationJson),
      failure: failure.map(operationJson),
    });
    const ranges: KeyValue[][] = [];
    for (const response of (json.responses ?? []) as Json[]) {
      const range = response.response_range as Json | undefined;
      if (range) ranges.push(((range.kvs ?? []) as Json[]).map(keyValue));
    }
    return {
      succeeded: json.succeeded === true,
      revision: Number((json.header as Json)?.revision ?? 0),
      ranges,
    };
  }

  /** A new lease that expires `ttlSeconds` after its last keep-alive. @returns its id */
  async grantLease(ttlSeconds: number): Promise<string> {
    const json = await this.#call("/v3/lease/grant", { TTL: ttlSeconds });
    return String(json.ID);
  }

  /** Renews `lease`. @returns its remaining TTL in seconds, 0 when it has expired */
  async keepAlive(lease: string): Promise<number> {
    const json = await this.#call("/v3/lease/keepalive", { ID: lease });
    return Number((json.result as Json | undefined)?.TTL ?? 0);
  }

  /** Ends `lease` now, deleting the keys attached to it. */
  async revokeLease(lease: string): Promise<void> {
    await this.#call("/v3/lease/revoke", { ID: lease });
  }

  /**
   * Watches every key under `prefix` from `startRevision`, calling `onEvents` with each batch in
   * revision order, until `signal` aborts. When the stream breaks (etcd restarting, a network
   * fault), it reconnects from the revision after the last one delivered.
   */
  async watch(
    prefix: string,
    startRevision: number,
    onEvents: (events: WatchEvent[], revision: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let next = startRevision;
    let backoff = 100;
    while (!signal.aborted) {
      try {
        await this.#watchOnce(prefix, next, (events, revision) => {
          backoff = 100;
          if (events.length > 0) {
            next = events[events.length - 1]!.kv.modRevision + 1;
            onEvents(events, revision);
          }
        }, signal);
      } catch {
        // Reconnect below.
      }
      if (signal.aborted) return;
      await delay(backoff, signal);
      backoff = Math.min(backoff * 2, 2000);
    }
  }

  async #watchOnce(
    prefix: string,
    startRevision: number,
    onEvents: (events: WatchEvent[], revision: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const url = `${this.#endpoints[this.#current]}/v3/watch`;
    const response = await fetch(url, {
      method: "POST",
      body: JSON.stringify({
        create_request: {
          ...rangeRequest(prefix, true),
          start_revision: String(startRevision),
        },
      }),
      signal,
    }).catch((err) => {
      this.#current = (this.#current + 1) % this.#endpoints.length;
      throw err;
    });
    if (!response.body) return;
    // The gateway streams one JSON object per line.
    let buffered = "";
    const text = response.body.pipeThrough(new TextDecoderStream());
    for await (const chunk of text) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === "") continue;
        const message = JSON.parse(line) as Json;
        const result = message.result as Json | undefined;
        if (!result) throw new EtcdError(`etcd watch failed: ${line}`);
        if (result.canceled) {
          throw new EtcdError(`etcd watch canceled: ${result.cancel_reason}`);
        }
        const events = ((result.events ?? []) as Json[]).map((e) => ({
          type: e.type === "DELETE" ? "DELETE" as const : "PUT" as const,
          kv: keyValue(e.kv as Json),
        }));
        onEvents(events, Number((result.header as Json)?.revision ?? 0));
      }
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
