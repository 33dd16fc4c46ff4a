/**
 * The high-level producer: batches messages in the background by length and linger time, with a
 * bounded queue for back-pressure, retries with back-off, partitioning modes, and a
 * `WritableStream` adapter.
 * @module
 */

import type { IggyClient, NewMessage } from "./client.ts";
import type { Encryptor } from "./encryption.ts";
import { Partitioning } from "./builders.ts";
import { isConnectionFailure, isTransientFailure } from "./_retry.ts";
import { BufferPool } from "./_buffer_pool.ts";
import { commandError } from "./_request_errors.ts";
import type {
  Identifier,
  PreparedMessages,
  UserHeaders,
} from "./protocol/mod.ts";
import {
  CommandCode,
  ErrorCode,
  IggyError,
  INDEX_ENTRY_SIZE,
  MessageField,
  utf8,
  viewOf,
} from "./protocol/mod.ts";

/**
 * Options of the typed builders in {@linkcode message}.
 *
 * @example Usage
 * ```ts ignore
 * await producer.send(message.text("hello", { id: 1n, headers: { lang: header.string("en") } }));
 * ```
 */
export interface MessageOptions {
  /** A u128 message id; absent or `0n` lets the server assign one. */
  id?: bigint;
  /** User headers, built with `header.string()`, `header.uint64()` and so on. */
  headers?: UserHeaders;
}

/**
 * Typed payload builders: each returns a {@linkcode NewMessage} for `IggyProducer.send()` or
 * `IggyClient.sendMessages()`.
 *
 * @example Usage
 * ```ts
 * import { header, message } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const order = message.json({ id: 7 }, { headers: { type: header.string("order.created") } });
 * assert.equal(new TextDecoder().decode(order.payload as Uint8Array), '{"id":7}');
 * assert.equal(message.text("hi").payload, "hi");
 * ```
 */
export const message: {
  /**
   * A UTF-8 text payload.
   *
   * @param text The text.
   * @param options Id and headers.
   * @returns The message.
   */
  text(text: string, options?: MessageOptions): NewMessage;
  /**
   * A JSON payload (`JSON.stringify`, sent as UTF-8).
   *
   * @param value Any JSON-serializable value.
   * @param options Id and headers.
   * @returns The message.
   * @throws {TypeError} When the value cannot be serialized.
   */
  json(value: unknown, options?: MessageOptions): NewMessage;
  /**
   * A raw byte payload.
   *
   * @param bytes The payload.
   * @param options Id and headers.
   * @returns The message.
   */
  bytes(bytes: Uint8Array, options?: MessageOptions): NewMessage;
} = {
  text(text: string, options: MessageOptions = {}): NewMessage {
    return { ...options, payload: text };
  },
  json(value: unknown, options: MessageOptions = {}): NewMessage {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new TypeError("Cannot serialize the value as JSON");
    }
    return { ...options, payload: utf8(text) };
  },
  bytes(bytes: Uint8Array, options: MessageOptions = {}): NewMessage {
    return { ...options, payload: bytes };
  },
};

/**
 * What {@linkcode IggyProducer.send} and {@linkcode IggyProducer.writable} accept per message.
 *
 * @example Usage
 * ```ts ignore
 * const inputs: ProducerInput[] = ["text", new Uint8Array([1]), { payload: "with id", id: 5n }];
 * await producer.send(inputs);
 * ```
 */
export type ProducerInput = NewMessage | Uint8Array | string;

/**
 * How an {@linkcode IggyProducer} spreads messages over the topic's partitions when no
 * {@linkcode Partitioning} is given:
 * - `"round-robin"`: message by message, 0, 1, 2, 0, 1, … (even load; each batch is split by
 *   partition);
 * - `"sticky"`: `batchLength` messages in a row to one partition, then the next one (whole
 *   batches, so fewer and larger requests; even over time).
 *
 * Both read the topic's partition count on the first send (and again after a send fails with
 * 3007 `PartitionNotFound`). `Partitioning.balanced()` instead lets the server pick a partition per
 * request, whatever its size.
 *
 * @example Usage
 * ```ts ignore
 * const partitioning: PartitioningMode = "sticky";
 * ```
 */
export type PartitioningMode = "round-robin" | "sticky";

/**
 * When and how often {@linkcode IggyProducer} sends a failed batch again.
 *
 * @example Usage
 * ```ts ignore
 * const producer = new IggyProducer(client, {
 *   streamId: "orders",
 *   topicId: "created",
 *   retry: { retries: 10, delayMs: 200, maxDelayMs: 10_000 },
 * });
 * ```
 */
export interface ProducerRetryPolicy {
  /**
   * Sends after the first one before the batch fails (the default delays add up to about 16 s:
   * longer than a cluster's failover with its default lease).
   * @default {8}
   */
  retries?: number;
  /**
   * Milliseconds before the first retry; doubled after each one, up to `maxDelayMs`.
   * @default {100}
   */
  delayMs?: number;
  /**
   * Upper bound of the delay between retries, in milliseconds.
   * @default {5000}
   */
  maxDelayMs?: number;
  /**
   * Which errors are worth another send.
   * @default {a lost or timed-out connection, the server's "disconnected" answer, or a cluster's
   *   "partition unavailable" (ShardCommunicationError, 11001) during a failover}
   */
  retryable?: (error: unknown) => boolean;
}

/**
 * Options of {@linkcode IggyProducer}.
 *
 * @example Usage
 * ```ts ignore
 * const producer = new IggyProducer(client, {
 *   streamId: "orders",
 *   topicId: "created",
 *   partitioning: "sticky",
 *   batchLength: 500,
 *   lingerMs: 10,
 * });
 * ```
 */
export interface IggyProducerOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /**
   * Where messages go: a {@linkcode PartitioningMode} (`"round-robin"` per message or `"sticky"`
   * per batch), a fixed {@linkcode Partitioning}, or a function choosing one per message (for
   * example `(m) => Partitioning.messagesKey(...)`).
   * @default {"round-robin"}
   */
  partitioning?:
    | PartitioningMode
    | Partitioning
    | ((message: NewMessage) => Partitioning);
  /**
   * Retries of a batch that failed on a lost connection or a cluster failover (see
   * {@linkcode ProducerRetryPolicy}), or
   * `false` for none. A batch is encoded once and sent again byte for byte: messages without an id
   * get one from the producer first, so that a server with deduplication on stores a batch that
   * was in flight when the connection dropped only once.
   * @default {{ retries: 8, delayMs: 100, maxDelayMs: 5000 }}
   */
  retry?: ProducerRetryPolicy | false;
  /**
   * At most this many messages per SendMessages request.
   * @default {1000}
   */
  batchLength?: number;
  /**
   * How long a batch that is not full waits for more messages before it is sent, in
   * milliseconds; with `0`, queued messages go out as soon as the previous request is answered.
   * @default {0}
   */
  lingerMs?: number;
  /**
   * At most this many messages are queued or in flight; `send()` and writes wait for room.
   * @default {10 * batchLength}
   */
  maxQueued?: number;
  /**
   * Close the client when the producer closes.
   * @default {false}
   */
  closeClient?: boolean;
  /**
   * Encrypts each payload with this {@linkcode Encryptor} (for example an
   * {@linkcode Aes256GcmEncryptor}) instead of the client's own.
   * @default {the client's `encryptor`, if any}
   */
  encryptor?: Encryptor;
}

/**
 * Options of one {@linkcode IggyProducer.send} call.
 *
 * @example Usage
 * ```ts ignore
 * await producer.send("to partition 2", { partitioning: Partitioning.partitionId(2) });
 * ```
 */
export interface ProducerSendOptions {
  /** Overrides the producer's partitioning for these messages. */
  partitioning?: Partitioning;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

interface Entry {
  message: NewMessage;
  ticket: Ticket;
}

/** A retry policy with every field set. */
type Retry = Required<ProducerRetryPolicy>;

interface Bucket {
  partitioning: Partitioning;
  entries: Entry[];
  /** True once the linger time of the oldest entry has passed. */
  due: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Sends messages to one topic in the background: messages are queued, grouped by partitioning into
 * batches of up to `batchLength`, and sent one request at a time (so their order is kept). The
 * queue is bounded by `maxQueued`: when it is full, `send()` and stream writes wait. `send()`
 * resolves once the server has acknowledged its messages and rejects with the server's or the
 * connection's error; no message is dropped silently.
 *
 * @example Usage
 * ```ts ignore
 * import { connect, IggyProducer, message, Partitioning } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
 * await using producer = new IggyProducer(client, {
 *   streamId: "orders",
 *   topicId: "created",
 *   partitioning: (m) => Partitioning.messagesKey(String(m.id ?? 0n)),
 *   batchLength: 500,
 *   lingerMs: 5,
 * });
 * await producer.send(message.json({ order: 1 }));
 * ```
 */
export class IggyProducer {
  #client: IggyClient;
  #streamId: Identifier;
  #topicId: Identifier;
  #partitioning:
    | PartitioningMode
    | Partitioning
    | ((message: NewMessage) => Partitioning);
  /** The topic's partition count, read on the first send of a {@linkcode PartitioningMode}. */
  #partitionsCount: Promise<number> | undefined;
  /** Messages placed by the mode so far. */
  #placed = 0;
  #retry: Retry | undefined;
  /** High 64 bits of the ids this producer gives messages (random, as two u32), and a counter. */
  #idPrefix = crypto.getRandomValues(new Uint32Array(2));
  #idCounter = 0;
  /** Buffers of batches encoded once for retries, reused after their answer. */
  readonly #buffers = new BufferPool();
  #batchLength: number;
  #lingerMs: number;
  #maxQueued: number;
  #closeClient: boolean;
  #encryptor: Encryptor | undefined;
  #buckets = new Map<string, Bucket>();
  /** Messages queued or in flight. */
  #queued = 0;
  #waiters: { need: number; resolve(): void; reject(e: unknown): void }[] = [];
  #sending = false;
  #flushing = 0;
  #tickets = new Set<Ticket>();
  #closed = false;
  #writable: WritableStream<ProducerInput> | undefined;

  /**
   * Creates a producer on a connected client.
   *
   * @param client A connected, logged-in client.
   * @param options The topic, partitioning and batching.
   * @throws {RangeError} When `batchLength`, `lingerMs`, `maxQueued` or a retry setting is out of
   * range.
   * @throws {TypeError} When `partitioning` is an unknown mode.
   *
   * @example Usage
   * ```ts ignore
   * await using producer = new IggyProducer(client, {
   *   streamId: "orders",
   *   topicId: "created",
   * });
   * await producer.send("hello");
   * ```
   */
  constructor(client: IggyClient, options: IggyProducerOptions) {
    this.#client = client;
    this.#streamId = options.streamId;
    this.#topicId = options.topicId;
    this.#partitioning = options.partitioning ?? "round-robin";
    if (
      typeof this.#partitioning === "string" &&
      this.#partitioning !== "round-robin" && this.#partitioning !== "sticky"
    ) {
      throw new TypeError(
        `Unknown partitioning "${this.#partitioning}": expected "round-robin", "sticky", a Partitioning or a function`,
      );
    }
    this.#retry = options.retry === false ? undefined : {
      retries: options.retry?.retries ?? 8,
      delayMs: options.retry?.delayMs ?? 100,
      maxDelayMs: options.retry?.maxDelayMs ?? 5000,
      retryable: options.retry?.retryable ?? isTransientFailure,
    };
    if (
      this.#retry &&
      !(this.#retry.retries >= 0 && this.#retry.delayMs >= 0 &&
        this.#retry.maxDelayMs >= 0)
    ) {
      throw new RangeError("Retry counts and delays must not be negative");
    }
    this.#batchLength = options.batchLength ?? 1000;
    this.#lingerMs = options.lingerMs ?? 0;
    this.#maxQueued = options.maxQueued ?? 10 * this.#batchLength;
    this.#closeClient = options.closeClient ?? false;
    this.#encryptor = options.encryptor;
    if (!Number.isInteger(this.#batchLength) || this.#batchLength < 1) {
      throw new RangeError(
        `Batch length must be a positive integer: ${this.#batchLength}`,
      );
    }
    if (!(this.#lingerMs >= 0)) {
      throw new RangeError(`Linger must be at least 0 ms: ${this.#lingerMs}`);
    }
    if (!Number.isInteger(this.#maxQueued) || this.#maxQueued < 1) {
      throw new RangeError(
        `Max queued must be a positive integer: ${this.#maxQueued}`,
      );
    }
  }

  /**
   * Messages queued or in flight (not yet acknowledged).
   *
   * @example Usage
   * ```ts ignore
   * if (producer.queued > 5_000) await producer.flush();
   * ```
   */
  get queued(): number {
    return this.#queued;
  }

  /**
   * True once {@linkcode IggyProducer.close} was called.
   *
   * @example Usage
   * ```ts ignore
   * await producer.close();
   * console.log(producer.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Queues messages and waits until the server has acknowledged them. Waits first for room in the
   * queue when it is full (back-pressure).
   *
   * @param messages One message or several; strings and bytes become payloads.
   * @param options A partitioning for these messages.
   * @returns When the server has acknowledged every message.
   * @throws {Error} When the producer is closed.
   * @throws {IggyError} When the server rejects a batch holding one of the messages.
   * @throws {ConnectionError} When the connection fails before the acknowledgement.
   *
   * @example Usage
   * ```ts ignore
   * await producer.send(message.json({ id: 7 }, { id: 7n }));
   * await producer.send(["a", "b", "c"]); // one promise for the three
   * ```
   */
  async send(
    messages: ProducerInput | ProducerInput[],
    options: ProducerSendOptions = {},
  ): Promise<void> {
    const { ack } = await this.#enqueue(messages, options.partitioning);
    await ack;
  }

  /**
   * Sends every queued message now (without waiting for the linger time) and waits until all
   * messages queued before the call are acknowledged.
   *
   * @returns When they are acknowledged.
   * @throws {IggyError} The first error of a batch it waited for.
   *
   * @example Usage
   * ```ts ignore
   * producer.send("queued");
   * await producer.flush(); // stored now
   * ```
   */
  async flush(): Promise<void> {
    const tickets = [...this.#tickets].map((t) => t.promise);
    this.#flushing++;
    try {
      this.#pump();
      const results = await Promise.allSettled(tickets);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      this.#flushing--;
    }
  }

  /**
   * Flushes, then refuses further sends; closes the client when `closeClient` was set.
   *
   * @returns When every queued message is acknowledged (or failed) and the producer is closed.
   * @throws {IggyError} The first error among the flushed batches.
   *
   * @example Usage
   * ```ts ignore
   * await producer.close(); // flushes first
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.reject(new Error("Producer is closed"));
    }
    try {
      await this.flush();
    } finally {
      if (this.#closeClient) await this.#client.close();
    }
  }

  /**
   * Closes the producer, so that `await using producer = new IggyProducer(...)` works.
   *
   * @returns When closed.
   *
   * @example Usage
   * ```ts ignore
   * await using producer = new IggyProducer(client, { streamId: "orders", topicId: "created" });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * A `WritableStream` into this producer: a write resolves once the message is queued (waiting
   * for room when the queue is full), `close()` flushes, and a failed batch errors the stream.
   *
   * @returns The stream (the same one on every access).
   *
   * @example Usage
   * ```ts ignore
   * await ReadableStream.from(["a", "b", "c"]).pipeTo(producer.writable);
   * ```
   */
  get writable(): WritableStream<ProducerInput> {
    if (this.#writable) return this.#writable;
    let failure: { error: unknown } | undefined;
    let controllerRef: WritableStreamDefaultController | undefined;
    const fail = (error: unknown): void => {
      if (failure) return;
      failure = { error };
      controllerRef?.error(error);
    };
    this.#writable = new WritableStream<ProducerInput>({
      start: (controller) => {
        controllerRef = controller;
      },
      write: async (chunk) => {
        if (failure) throw failure.error;
        const { ack } = await this.#enqueue(chunk, undefined);
        ack.catch(fail);
      },
      close: async () => {
        if (failure) throw failure.error;
        await this.flush();
      },
      abort: async () => {
        await this.flush().catch(() => {});
      },
    });
    return this.#writable;
  }

  /** Queues messages once there is room; returns their acknowledgement (boxed, so not awaited). */
  async #enqueue(
    input: ProducerInput | ProducerInput[],
    partitioning: Partitioning | undefined,
  ): Promise<{ ack: Promise<void> }> {
    if (this.#closed) throw new Error("Producer is closed");
    const messages = (Array.isArray(input) ? input : [input]).map(toMessage);
    if (messages.length === 0) return { ack: Promise.resolve() };
    // A send larger than the whole queue is admitted once the queue is empty.
    const need = Math.min(messages.length, this.#maxQueued);
    if (this.#queued + need > this.#maxQueued || this.#waiters.length > 0) {
      // #wake() reserves `need` in #queued before it resolves.
      await new Promise<void>((resolve, reject) =>
        this.#waiters.push({ need, resolve, reject })
      );
      if (this.#closed) {
        this.#queued -= need;
        throw new Error("Producer is closed");
      }
      this.#queued += messages.length - need;
    } else {
      this.#queued += messages.length;
    }
    const mode = partitioning === undefined &&
        typeof this.#partitioning === "string"
      ? this.#partitioning
      : undefined;
    let partitionsCount = 0;
    if (mode !== undefined) {
      try {
        partitionsCount = await this.#countPartitions();
      } catch (err) {
        this.#queued -= messages.length;
        this.#wake();
        throw err;
      }
    }
    const ticket = newTicket(messages.length);
    this.#tickets.add(ticket);
    ticket.promise.catch(() => {}).finally(() => this.#tickets.delete(ticket));
    for (const m of messages) {
      const p = partitioning ??
        (mode !== undefined
          ? this.#place(mode, partitionsCount)
          : typeof this.#partitioning === "function"
          ? this.#partitioning(m)
          : this.#partitioning as Partitioning);
      this.#bucket(p).entries.push({ message: m, ticket });
    }
    this.#pump();
    return { ack: ticket.promise };
  }

  /** The topic's partition count, read once. */
  #countPartitions(): Promise<number> {
    this.#partitionsCount ??= this.#client.getTopic({
      streamId: this.#streamId,
      topicId: this.#topicId,
    }).then((topic) => {
      if (!topic) {
        throw this.#error(ErrorCode.TopicIdNotFound);
      }
      if (topic.partitionsCount === 0) {
        throw this.#error(ErrorCode.PartitionNotFound, "the topic has none");
      }
      return topic.partitionsCount;
    });
    // A failed look-up is tried again on the next send.
    this.#partitionsCount.catch(() => this.#partitionsCount = undefined);
    return this.#partitionsCount;
  }

  /** An error of this producer's topic, worded as the server's answer to a send would be. */
  #error(code: number, detail?: string): IggyError {
    return commandError(CommandCode.SendMessages, code, {
      streamId: this.#streamId,
      topicId: this.#topicId,
    }, detail);
  }

  /** The partition of the next message placed by `mode`. */
  #place(mode: PartitioningMode, partitionsCount: number): Partitioning {
    const n = this.#placed++;
    const step = mode === "sticky" ? Math.floor(n / this.#batchLength) : n;
    return partitionOf(step % partitionsCount);
  }

  #bucket(partitioning: Partitioning): Bucket {
    const key = bucketKey(partitioning);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { partitioning, entries: [], due: false, timer: undefined };
      this.#buckets.set(key, bucket);
    }
    if (bucket.entries.length === 0 && this.#lingerMs > 0 && !bucket.timer) {
      const b = bucket;
      b.timer = setTimeout(() => {
        b.timer = undefined;
        b.due = true;
        this.#pump();
      }, this.#lingerMs);
    }
    return bucket;
  }

  /** The next batch ready to go, if any. */
  #ready(): Bucket | undefined {
    for (const bucket of this.#buckets.values()) {
      if (bucket.entries.length === 0) continue;
      if (
        bucket.due || this.#lingerMs === 0 || this.#flushing > 0 ||
        this.#closed || bucket.entries.length >= this.#batchLength
      ) {
        return bucket;
      }
    }
    return undefined;
  }

  /** Starts the sender loop unless it runs. */
  #pump(): void {
    if (this.#sending) return;
    const bucket = this.#ready();
    if (!bucket) return;
    this.#sending = true;
    this.#sendLoop(bucket).finally(() => {
      this.#sending = false;
      this.#pump();
    });
  }

  async #sendLoop(first: Bucket): Promise<void> {
    let bucket: Bucket | undefined = first;
    while (bucket) {
      // Round-robin fairness: a bucket goes to the back after each batch.
      const key = bucketKey(bucket.partitioning);
      this.#buckets.delete(key);
      const batch = bucket.entries.splice(0, this.#batchLength);
      if (bucket.entries.length > 0) {
        // What is left is as old as what went, so `due` stays as it was.
        this.#buckets.set(key, bucket);
      } else {
        clearTimeout(bucket.timer);
        bucket.timer = undefined;
        bucket.due = false;
      }
      let error: { value: unknown } | undefined;
      try {
        await this.#sendBatch(bucket.partitioning, batch);
      } catch (err) {
        error = { value: err };
        // Partitions were deleted: the next send reads the count again.
        if (
          err instanceof IggyError && err.code === ErrorCode.PartitionNotFound
        ) this.#partitionsCount = undefined;
      }
      for (const entry of batch) settle(entry.ticket, error);
      this.#queued -= batch.length;
      this.#wake();
      bucket = this.#ready();
    }
  }

  /** Sends one batch; with a retry policy, encodes it once and sends it again on retryable errors. */
  async #sendBatch(partitioning: Partitioning, batch: Entry[]): Promise<void> {
    const send = {
      streamId: this.#streamId,
      topicId: this.#topicId,
      partitioning,
      encryptor: this.#encryptor,
    };
    const retry = this.#retry;
    if (!retry) {
      await this.#client.sendMessages({
        ...send,
        messages: batch.map((e) => e.message),
      });
      return;
    }
    let buffer: Uint8Array | undefined;
    const prepared = await this.#client.prepareMessages(
      batch.map((e) => e.message),
      {
        encryptor: this.#encryptor,
        allocate: (size) => buffer = this.#buffers.acquire(size),
      },
    );
    this.#idCounter = assignMissingIds(
      prepared,
      this.#idPrefix,
      this.#idCounter,
    );
    // After a lost connection a write of the buffer may still be under way: it is then left to
    // the garbage collector instead of going back to the pool.
    let written = true;
    let delay = retry.delayMs;
    for (let attempt = 0;; attempt++) {
      try {
        await this.#client.sendMessages({ ...send, messages: prepared });
        if (written) this.#buffers.release(buffer!);
        return;
      } catch (err) {
        // An error status means the server read the whole frame.
        if (!(err instanceof IggyError) || isConnectionFailure(err)) {
          written = false;
        }
        // A closed client (closed by its owner, or it gave up reconnecting) cannot come back.
        if (
          attempt >= retry.retries || !retry.retryable(err) ||
          this.#client.closed
        ) {
          if (written) this.#buffers.release(buffer!);
          throw err;
        }
        this.#client.logger.warn(
          `Iggy producer: sending ${batch.length} message(s) again (retry ${
            attempt + 1
          } of ${retry.retries}) in ${delay} ms`,
          err,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, retry.maxDelayMs);
      }
    }
  }

  /** Admits waiting senders, in order, while there is room. */
  #wake(): void {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0]!;
      if (this.#queued + waiter.need > this.#maxQueued) return;
      this.#waiters.shift();
      // Reserve the room now, so later waiters see it as taken.
      this.#queued += waiter.need;
      waiter.resolve();
    }
  }
}

function toMessage(input: ProducerInput): NewMessage {
  if (typeof input === "string" || input instanceof Uint8Array) {
    return { payload: input };
  }
  return input;
}

function newTicket(count: number): Ticket {
  // Not Promise.withResolvers(): Node 20 lacks it.
  let resolve!: () => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { remaining: count, settled: false, promise, resolve, reject };
}

function settle(ticket: Ticket, error: { value: unknown } | undefined): void {
  if (ticket.settled) return;
  if (error) {
    ticket.settled = true;
    ticket.reject(error.value);
    return;
  }
  ticket.remaining--;
  if (ticket.remaining === 0) {
    ticket.settled = true;
    ticket.resolve();
  }
}

/** Cached `Partitioning.partitionId(i)` values, so that placing a message allocates nothing. */
const PARTITIONS: Partitioning[] = [];

function partitionOf(id: number): Partitioning {
  return PARTITIONS[id] ??= Partitioning.partitionId(id);
}

/**
 * Gives every message of `prepared` whose id is 0 the id `prefix << 64 | ++counter` (written as
 * u32 words, no bigint), so that a batch sent again carries the same ids (the server gives an id-0
 * message a new random id on every send). Returns the counter's new value.
 */
function assignMissingIds(
  prepared: PreparedMessages,
  prefix: Uint32Array,
  counter: number,
): number {
  const { section, count } = prepared;
  const view = viewOf(section);
  const framesStart = INDEX_ENTRY_SIZE * count;
  let at = framesStart + MessageField.Id;
  for (let i = 0; i < count; i++) {
    if (
      view.getUint32(at, true) === 0 && view.getUint32(at + 4, true) === 0 &&
      view.getUint32(at + 8, true) === 0 && view.getUint32(at + 12, true) === 0
    ) {
      counter++;
      view.setUint32(at, counter >>> 0, true);
      view.setUint32(at + 4, Math.floor(counter / 0x1_0000_0000), true);
      view.setUint32(at + 8, prefix[0]!, true);
      view.setUint32(at + 12, prefix[1]! | 1, true);
    }
    // Index entries hold each frame's end, relative to the first frame.
    at = framesStart + view.getUint32(i * INDEX_ENTRY_SIZE + 4, true) +
      MessageField.Id;
  }
  return counter;
}

function bucketKey(partitioning: Partitioning): string {
  switch (partitioning.kind) {
    case "balanced":
      return "b";
    case "partition_id":
      return `p${partitioning.partitionId}`;
    case "messages_key":
      return `k${
        Array.from(partitioning.key, (b) => b.toString(16)).join(",")
      }`;
  }
}
