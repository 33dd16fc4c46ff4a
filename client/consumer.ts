/**
 * The high-level consumer: an async iterable of messages from one topic, as a single consumer or a
 * consumer-group member, with auto-commit modes, reconnection and a `ReadableStream` adapter.
 * @module
 */

import type { IggyClient } from "./client.ts";
import type { Encryptor } from "./encryption.ts";
import { Consumer, PollingStrategy } from "./builders.ts";
import { ConnectionError } from "./errors.ts";
import { isConnectionFailure } from "./_retry.ts";
import { commandError } from "./_request_errors.ts";
import {
  CommandCode,
  type ConsumerGroupDetails,
  ErrorCode,
  fromUtf8,
  headerToValue,
  type Identifier,
  IggyError,
  type Message,
  type UserHeaders,
} from "./protocol/mod.ts";

/**
 * When a consumer stores its offsets:
 * - `"poll"`: the server stores the last polled offset with every poll (at-most-once: messages
 *   polled but not processed before a crash or a leave are not delivered again);
 * - `"processed"`: the offsets of processed messages are stored before the next poll and on close
 *   (at-least-once); a message counts as processed once the loop asks for the next one or exits;
 * - `{ intervalMs }`: the offsets of processed messages are stored on that interval and on close
 *   (at-least-once);
 * - `"disabled"`: only {@linkcode IggyConsumer.commit} stores offsets.
 *
 * @example Usage
 * ```ts ignore
 * const autoCommit: AutoCommit = { intervalMs: 1000 };
 * const consumer = new IggyConsumer(client, { streamId: "s", topicId: "t", autoCommit });
 * ```
 */
export type AutoCommit =
  | "poll"
  | "processed"
  | "disabled"
  | { intervalMs: number };

/**
 * Reconnection settings of an {@linkcode IggyConsumer} that opens its own connections.
 *
 * @example Usage
 * ```ts ignore
 * const consumer = new IggyConsumer(() => connect(url), {
 *   streamId: "orders",
 *   topicId: "created",
 *   reconnect: { retries: 30, delayMs: 500 },
 * });
 * ```
 */
export interface ReconnectOptions {
  /**
   * Attempts after a lost connection before the iterator fails with `ConnectionError`.
   * @default {10}
   */
  retries?: number;
  /**
   * Milliseconds between attempts.
   * @default {1000}
   */
  delayMs?: number;
}

/**
 * The partitions a consumer reads, reported by {@linkcode IggyConsumerOptions.onRebalance} when
 * they change.
 *
 * @example Usage
 * ```ts ignore
 * const consumer = new IggyConsumer(client, {
 *   streamId: "orders",
 *   topicId: "created",
 *   group: "billing",
 *   onRebalance: (event: RebalanceEvent) => {
 *     console.log("gained", event.assigned, "lost", event.revoked, "now", event.partitions);
 *   },
 * });
 * ```
 */
export interface RebalanceEvent {
  /** The partitions the consumer reads from now on, ascending. */
  partitions: number[];
  /** Partitions it gained. */
  assigned: number[];
  /** Partitions it lost (to another group member, or all of them on close). */
  revoked: number[];
}

/**
 * Where {@linkcode IggyConsumer.seek} moves a partition's position: its first retained message,
 * its last message (then the ones that follow), an offset, or the first message stored at or after
 * a timestamp (µs since the epoch, or a `Date`).
 *
 * @example Usage
 * ```ts ignore
 * const position: SeekPosition = { timestamp: new Date(Date.now() - 60_000) };
 * consumer.seek(0, position); // the last minute again
 * ```
 */
export type SeekPosition =
  | "first"
  | "last"
  | { offset: bigint }
  | { timestamp: bigint | Date };

/**
 * How far behind a consumer is on one partition; see {@linkcode IggyConsumer.lag}.
 *
 * @example Usage
 * ```ts ignore
 * const total = (await consumer.lag()).reduce((sum, p: PartitionLag) => sum + p.lag, 0n);
 * ```
 */
export interface PartitionLag {
  /** The partition. */
  partitionId: number;
  /** The partition's last offset (0 when empty). */
  currentOffset: bigint;
  /**
   * The offset of the last message this consumer delivered, or else its stored offset;
   * `undefined` when it has neither.
   */
  offset: bigint | undefined;
  /** Messages stored after `offset` (all of the partition's messages when `offset` is undefined). */
  lag: bigint;
}

/**
 * Options of {@linkcode IggyConsumer}.
 *
 * @example Usage
 * ```ts ignore
 * const options: IggyConsumerOptions = {
 *   streamId: "orders",
 *   topicId: "created",
 *   group: "billing",
 *   createGroup: true,
 *   onRebalance: ({ partitions }) => console.log("reading", partitions),
 * };
 * const consumer = new IggyConsumer(client, options);
 * ```
 */
export interface IggyConsumerOptions {
  /** The stream's id or name. */
  streamId: Identifier;
  /** The topic's id or name. */
  topicId: Identifier;
  /**
   * Consume as a member of this consumer group (id or name): the server assigns the member its
   * partitions and rebalances them as members come and go. A single consumer when absent.
   */
  group?: Identifier;
  /**
   * Create the group (by name) when it does not exist yet.
   * @default {false}
   */
  createGroup?: boolean;
  /**
   * The id of a single consumer (its offsets are its own); ignored for a group.
   * @default {0}
   */
  consumerId?: Identifier;
  /**
   * A single consumer reads only this partition; all partitions of the topic (in turn) when
   * absent. Ignored for a group.
   */
  partitionId?: number;
  /**
   * Where a single consumer starts on each partition; afterwards it continues after the last
   * message delivered. A group member always continues from the group's stored offsets.
   * @default {PollingStrategy.next()}
   */
  strategy?: PollingStrategy;
  /**
   * At most this many messages per poll.
   * @default {100}
   */
  batchLength?: number;
  /**
   * Milliseconds to wait before polling again once every partition came back empty.
   * @default {100}
   */
  pollIntervalMs?: number;
  /**
   * When offsets are stored; see {@linkcode AutoCommit}.
   * @default {"processed"}
   */
  autoCommit?: AutoCommit;
  /**
   * Called with the consumer's partitions when they change: once they are known (after the group
   * is joined, or at start for a single consumer), after each rebalance of the group (members
   * joining or leaving), and with every partition revoked on close. The consumer waits for it
   * before polling again; an error it throws ends the iteration.
   */
  onRebalance?: (event: RebalanceEvent) => void | Promise<void>;
  /**
   * How often a group member reads its partition assignment, in milliseconds (one
   * `getConsumerGroup` request), so rebalances are noticed.
   * @default {1000}
   */
  rebalanceCheckMs?: number;
  /** Reconnection, when the consumer opens its own connections (a client factory was given). */
  reconnect?: ReconnectOptions;
  /**
   * Decrypts each payload with this {@linkcode Encryptor} (for example an
   * {@linkcode Aes256GcmEncryptor}) instead of the client's own; a payload that cannot be
   * decrypted fails the iteration with `IggyError` 72 `CannotDecryptData`.
   * @default {the client's `encryptor`, if any}
   */
  encryptor?: Encryptor;
}

/**
 * A message delivered by {@linkcode IggyConsumer}: the polled message with its partition, and typed
 * readers for the payload and headers.
 *
 * @example Usage
 * ```ts
 * import { ConsumerMessage, header } from "@iggy/client";
 * import assert from "node:assert/strict";
 *
 * const message = new ConsumerMessage(2, {
 *   offset: 5n,
 *   id: 1n,
 *   timestamp: 0n,
 *   originTimestamp: 0n,
 *   checksum: 0n,
 *   headers: { type: header.string("greeting") },
 *   payload: new TextEncoder().encode('{"hello":"world"}'),
 * });
 * assert.equal(message.partitionId, 2);
 * assert.equal(message.header("type"), "greeting");
 * assert.deepEqual(message.json(), { hello: "world" });
 * ```
 */
export class ConsumerMessage implements Message {
  /**
   * The partition the message was read from.
   *
   * @example Usage
   * ```ts ignore
   * console.log(`partition ${message.partitionId}, offset ${message.offset}`);
   * ```
   */
  readonly partitionId: number;
  /**
   * Partition offset.
   *
   * @example Usage
   * ```ts ignore
   * await client.storeConsumerOffset({ streamId: "s", topicId: "t", partitionId: message.partitionId, offset: message.offset });
   * ```
   */
  readonly offset: bigint;
  /**
   * Message id (u128).
   *
   * @example Usage
   * ```ts ignore
   * console.log(message.id.toString(16));
   * ```
   */
  readonly id: bigint;
  /**
   * Server timestamp, µs since the epoch.
   *
   * @example Usage
   * ```ts ignore
   * console.log(new Date(Number(message.timestamp / 1000n)));
   * ```
   */
  readonly timestamp: bigint;
  /**
   * Producer timestamp, µs since the epoch.
   *
   * @example Usage
   * ```ts ignore
   * const latencyUs = message.timestamp - message.originTimestamp;
   * ```
   */
  readonly originTimestamp: bigint;
  /**
   * XXH3-64 checksum stamped by the server.
   *
   * @example Usage
   * ```ts ignore
   * console.log(message.checksum);
   * ```
   */
  readonly checksum: bigint;
  /**
   * Typed user headers (empty object when none).
   *
   * @example Usage
   * ```ts ignore
   * for (const [name, value] of Object.entries(message.headers)) console.log(name, value.kind);
   * ```
   */
  readonly headers: UserHeaders;
  /**
   * The payload bytes.
   *
   * @example Usage
   * ```ts ignore
   * console.log(message.payload.byteLength);
   * ```
   */
  readonly payload: Uint8Array;

  /**
   * Wraps a polled message.
   *
   * @param partitionId The partition it was read from.
   * @param message The polled message.
   *
   * @example Usage
   * ```ts ignore
   * // Made by IggyConsumer for each message it yields; wrapping a polled message by hand:
   * const polled = await client.pollMessages({ streamId: "orders", topicId: "created", partitionId: 0 });
   * const m = new ConsumerMessage(polled.partitionId, polled.messages[0]!);
   * console.log(m.offset, m.text());
   * ```
   */
  constructor(partitionId: number, message: Message) {
    this.partitionId = partitionId;
    this.offset = message.offset;
    this.id = message.id;
    this.timestamp = message.timestamp;
    this.originTimestamp = message.originTimestamp;
    this.checksum = message.checksum;
    this.headers = message.headers;
    this.payload = message.payload;
  }

  /**
   * The payload decoded as UTF-8.
   *
   * @returns The text.
   *
   * @example Usage
   * ```ts ignore
   * console.log(message.text());
   * ```
   */
  text(): string {
    return fromUtf8(this.payload);
  }

  /**
   * The payload parsed as JSON.
   *
   * @typeParam T The expected shape (not checked).
   * @returns The parsed value.
   * @throws {SyntaxError} When the payload is not JSON.
   *
   * @example Usage
   * ```ts ignore
   * const order = message.json<{ id: number; total: number }>();
   * ```
   */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /**
   * A user header as a JS value: a string, number, bigint, boolean or bytes, by its kind.
   *
   * @param name The header name.
   * @returns The value, or `undefined` when the message has no such header.
   *
   * @example Usage
   * ```ts ignore
   * const type = message.header("message_type"); // a string, number, bigint, boolean or bytes
   * ```
   */
  header(
    name: string,
  ): string | number | bigint | boolean | Uint8Array | undefined {
    const value = this.headers[name];
    return value === undefined ? undefined : headerToValue(value);
  }
}

/**
 * Reads a topic as an async iterable of {@linkcode ConsumerMessage}s, polling in the background of
 * the loop: as a single consumer (one partition or all of them) or as a consumer-group member (the
 * group is joined, and created when asked, on {@linkcode IggyConsumer.init} or the first
 * iteration). Offsets are stored as {@linkcode AutoCommit} says.
 *
 * Given a client, the consumer uses it and ends its iteration when that client disconnects. Given a
 * function that opens a client, the consumer owns its connections: after a lost connection it
 * reconnects, re-joins its group and resumes from the stored offsets.
 *
 * Leaving the loop (or {@linkcode IggyConsumer.close}) stores the processed offsets (unless the
 * mode is `"disabled"`), leaves the group and closes an owned connection.
 *
 * @example Usage
 * ```ts ignore
 * import { connect, IggyConsumer } from "@iggy/client";
 *
 * await using client = await connect("iggy://iggy:iggy@127.0.0.1:8090");
 * const consumer = new IggyConsumer(client, {
 *   streamId: "orders",
 *   topicId: "created",
 *   group: "billing",
 *   createGroup: true,
 * });
 * for await (const message of consumer) {
 *   console.log(message.partitionId, message.offset, message.json());
 * }
 * ```
 */
export class IggyConsumer implements AsyncIterable<ConsumerMessage> {
  #client: IggyClient | undefined;
  #open: (() => Promise<IggyClient>) | undefined;
  #streamId: Identifier;
  #topicId: Identifier;
  #group: Identifier | undefined;
  #createGroup: boolean;
  #consumer: Consumer;
  #partitionId: number | undefined;
  #strategy: PollingStrategy;
  #batchLength: number;
  #pollIntervalMs: number;
  #mode: AutoCommit;
  #retries: number;
  #delayMs: number;
  #encryptor: Encryptor | undefined;
  #onRebalance: ((event: RebalanceEvent) => void | Promise<void>) | undefined;
  #rebalanceCheckMs: number;

  #initializing: Promise<void> | undefined;
  #partitions: number[] = [];
  #cursor = 0;
  /** The group member id of this consumer's connection, once known. */
  #memberId: number | undefined;
  /** `performance.now()` of the last read of the group's assignment. */
  #assignmentReadAt = -Infinity;
  #paused = new Set<number>();
  /** Seeks not applied yet, per partition. */
  #seeks = new Map<number, SeekPosition>();
  /** Offset of the last message delivered, per partition. */
  #delivered = new Map<number, bigint>();
  /** Offsets processed but not stored yet, per partition. */
  #uncommitted = new Map<number, bigint>();
  /** The message the loop is working on. */
  #current: ConsumerMessage | undefined;
  /** Partitions that came back empty since the last message. */
  #empty = new Set<number>();
  /** After a reconnect: continue from the stored offsets. */
  #resumed = false;
  #iterating = false;
  #ready = false;
  #closing = false;
  #closed: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;
  #backgroundError: { error: unknown } | undefined;
  #readable: ReadableStream<ConsumerMessage> | undefined;

  /**
   * Creates a consumer; nothing is sent until {@linkcode IggyConsumer.init} or the first iteration.
   *
   * @param client A connected, logged-in client, or a function opening one (then the consumer
   * owns the connection and reconnects).
   * @param options The topic, group, polling and commit settings.
   * @throws {RangeError} When `batchLength`, `pollIntervalMs` or the commit interval is out of range.
   * @throws {TypeError} When `createGroup` is set without a group name.
   *
   * @example Usage
   * ```ts ignore
   * const consumer = new IggyConsumer(client, {
   *   streamId: "orders",
   *   topicId: "created",
   *   group: "billing",
   * });
   * for await (const m of consumer) console.log(m.partitionId, m.offset, m.text());
   * ```
   */
  constructor(
    client: IggyClient | (() => Promise<IggyClient>),
    options: IggyConsumerOptions,
  ) {
    if (typeof client === "function") this.#open = client;
    else this.#client = client;
    this.#streamId = options.streamId;
    this.#topicId = options.topicId;
    this.#group = options.group;
    this.#createGroup = options.createGroup ?? false;
    this.#consumer = options.group === undefined
      ? Consumer.single(options.consumerId ?? 0)
      : Consumer.group(options.group);
    this.#partitionId = options.partitionId;
    this.#strategy = options.strategy ?? PollingStrategy.next();
    this.#batchLength = options.batchLength ?? 100;
    this.#pollIntervalMs = options.pollIntervalMs ?? 100;
    this.#mode = options.autoCommit ?? "processed";
    this.#retries = options.reconnect?.retries ?? 10;
    this.#delayMs = options.reconnect?.delayMs ?? 1000;
    this.#encryptor = options.encryptor;
    this.#onRebalance = options.onRebalance;
    this.#rebalanceCheckMs = options.rebalanceCheckMs ?? 1000;
    if (!(this.#rebalanceCheckMs >= 0)) {
      throw new RangeError(
        `Rebalance check interval must be at least 0 ms: ${this.#rebalanceCheckMs}`,
      );
    }
    if (!Number.isInteger(this.#batchLength) || this.#batchLength < 1) {
      throw new RangeError(
        `Batch length must be a positive integer: ${this.#batchLength}`,
      );
    }
    if (!(this.#pollIntervalMs >= 0)) {
      throw new RangeError(
        `Poll interval must be at least 0 ms: ${this.#pollIntervalMs}`,
      );
    }
    if (typeof this.#mode === "object" && !(this.#mode.intervalMs > 0)) {
      throw new RangeError(
        `Commit interval must be positive: ${this.#mode.intervalMs}`,
      );
    }
    if (this.#createGroup && typeof this.#group !== "string") {
      throw new TypeError("Creating a group needs a group name");
    }
  }

  /**
   * True once the consumer is closed (by {@linkcode IggyConsumer.close} or leaving the loop).
   *
   * @example Usage
   * ```ts ignore
   * await consumer.close();
   * console.log(consumer.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.#closing;
  }

  /**
   * The partitions this consumer reads, ascending (empty before {@linkcode IggyConsumer.init}). A
   * group member's assignment is read again every `rebalanceCheckMs`; see `onRebalance`.
   *
   * @example Usage
   * ```ts ignore
   * await consumer.init();
   * console.log(consumer.partitions); // e.g. [0, 2]
   * ```
   */
  get partitions(): readonly number[] {
    return this.#partitions;
  }

  /**
   * Stops delivering messages of some partitions (all of them when none are named) until
   * {@linkcode IggyConsumer.resume}. Messages already polled but not yet delivered are polled
   * again on resume; the loop waits while every partition is paused.
   *
   * @param partitionIds The partitions to pause; all when absent.
   *
   * @example Usage
   * ```ts ignore
   * for await (const m of consumer) {
   *   if (backlogIsFull()) consumer.pause([m.partitionId]);
   * }
   * ```
   */
  pause(partitionIds?: number[]): void {
    for (const id of partitionIds ?? this.#partitions) this.#paused.add(id);
  }

  /**
   * Delivers messages of paused partitions again (all of them when none are named).
   *
   * @param partitionIds The partitions to resume; all when absent.
   *
   * @example Usage
   * ```ts ignore
   * consumer.resume();
   * ```
   */
  resume(partitionIds?: number[]): void {
    if (partitionIds === undefined) this.#paused.clear();
    else for (const id of partitionIds) this.#paused.delete(id);
    this.#wakeUp?.();
  }

  /**
   * The partitions paused with {@linkcode IggyConsumer.pause}, ascending.
   *
   * @returns The paused partition ids.
   *
   * @example Usage
   * ```ts ignore
   * consumer.pause([1]);
   * console.log(consumer.paused()); // [1]
   * ```
   */
  paused(): number[] {
    return [...this.#paused].sort((a, b) => a - b);
  }

  /**
   * Moves a partition's position, also while iterating: the next message delivered from that
   * partition is the one at `position` (messages of it already polled are dropped). `"last"`
   * delivers the partition's last message, then those that follow. With a commit mode other than
   * `"poll"`, the offsets of processed messages are stored as usual, so a seek back is stored
   * once the earlier messages are processed again.
   *
   * @param partitionId The partition (one of {@linkcode IggyConsumer.partitions} once known).
   * @param position Where to continue.
   * @throws {RangeError} When the partition is not one this consumer reads.
   *
   * @example Usage
   * ```ts ignore
   * consumer.seek(0, "first");
   * consumer.seek(1, { offset: 42n });
   * consumer.seek(2, { timestamp: new Date("2026-01-01") });
   * ```
   */
  seek(partitionId: number, position: SeekPosition): void {
    if (this.#initialized() && !this.#partitions.includes(partitionId)) {
      throw new RangeError(
        `Cannot seek partition ${partitionId}: not read by this consumer (${
          this.#partitions.join(", ") || "none"
        })`,
      );
    }
    this.#seeks.set(partitionId, position);
    this.#wakeUp?.();
  }

  /**
   * How far behind this consumer is on each of its partitions: the partition's last offset, the
   * last offset the consumer delivered (or else its stored offset), and the messages in between.
   *
   * @returns One entry per partition read, ascending.
   * @throws {IggyError} When the topic does not exist (any more).
   *
   * @example Usage
   * ```ts ignore
   * for (const { partitionId, lag } of await consumer.lag()) {
   *   console.log(`partition ${partitionId}: ${lag} messages behind`);
   * }
   * ```
   */
  async lag(): Promise<PartitionLag[]> {
    await this.init();
    const client = this.#client!;
    const topic = await client.getTopic({
      streamId: this.#streamId,
      topicId: this.#topicId,
    });
    if (!topic) throw this.#topicNotFound();
    const partitions = [...this.#partitions].sort((a, b) => a - b);
    return await Promise.all(partitions.map(async (partitionId) => {
      const currentOffset = topic.partitions[partitionId]?.currentOffset ?? 0n;
      const messagesCount = topic.partitions[partitionId]?.messagesCount ?? 0n;
      const offset = this.#delivered.get(partitionId) ??
        (await client.getConsumerOffset({
          streamId: this.#streamId,
          topicId: this.#topicId,
          consumer: this.#consumer,
          partitionId,
        }))?.storedOffset;
      const lag = messagesCount === 0n
        ? 0n
        : offset === undefined
        ? messagesCount
        : currentOffset > offset
        ? currentOffset - offset
        : 0n;
      return { partitionId, currentOffset, offset, lag };
    }));
  }

  /**
   * Connects (when it owns its connection), creates and joins the group, or looks up the topic's
   * partitions for a single consumer. Called by the first iteration; idempotent.
   *
   * @returns When ready to poll.
   * @throws {IggyError} When the stream, topic or group does not exist.
   *
   * @example Usage
   * ```ts ignore
   * const consumer = new IggyConsumer(client, { streamId: "orders", topicId: "created", group: "billing" });
   * await consumer.init(); // joined: the first poll happens on iteration
   * console.log(consumer.partitions);
   * ```
   */
  init(): Promise<void> {
    this.#initializing ??= this.#setUp().then(() => {
      if (typeof this.#mode === "object") {
        this.#interval = setInterval(
          () => this.#commitInBackground(),
          this.#mode.intervalMs,
        );
      }
    });
    return this.#initializing;
  }

  /**
   * Stores the offsets of every message delivered so far, including the one being processed.
   *
   * @returns When stored.
   * @throws {IggyError} When the server rejects an offset (a partition handed to another group
   * member meanwhile is skipped).
   *
   * @example Usage
   * ```ts ignore
   * const consumer = new IggyConsumer(client, {
   *   streamId: "orders",
   *   topicId: "created",
   *   autoCommit: "disabled",
   * });
   * for await (const m of consumer) {
   *   await handle(m);
   *   await consumer.commit(); // stores m.offset
   * }
   * ```
   */
  async commit(): Promise<void> {
    if (this.#current) this.#markProcessed();
    await this.#commitUncommitted();
  }

  /**
   * Stops consuming: stores the processed offsets (unless the mode is `"disabled"`), leaves the
   * group and closes an owned connection. The iteration then ends. Idempotent.
   *
   * @returns When closed.
   *
   * @example Usage
   * ```ts ignore
   * setTimeout(() => consumer.close(), 10_000); // the loop below ends then
   * for await (const m of consumer) console.log(m.offset);
   * ```
   */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    clearInterval(this.#interval);
    this.#wakeUp?.();
    this.#closed = this.#shutDown();
    return this.#closed;
  }

  /**
   * Closes the consumer, so that `await using consumer = new IggyConsumer(...)` works.
   *
   * @returns When closed.
   *
   * @example Usage
   * ```ts ignore
   * await using consumer = new IggyConsumer(client, { streamId: "orders", topicId: "created" });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * The messages, in order within each partition. One iteration per consumer.
   *
   * @returns The iterator.
   * @throws {TypeError} When the consumer is already being iterated.
   *
   * @example Usage
   * ```ts ignore
   * for await (const message of consumer) {
   *   console.log(message.partitionId, message.offset, message.text());
   * }
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    if (this.#iterating) {
      throw new TypeError("The consumer is already being iterated");
    }
    this.#iterating = true;
    return this.#messages();
  }

  /**
   * The messages as a `ReadableStream` (pulled one at a time; cancelling it closes the consumer).
   *
   * @returns The stream (the same one on every access).
   *
   * @example Usage
   * ```ts ignore
   * await consumer.readable
   *   .pipeThrough(new TransformStream({ transform: (m, c) => c.enqueue(m.text()) }))
   *   .pipeTo(new WritableStream({ write: (text) => console.log(text) }));
   * ```
   */
  get readable(): ReadableStream<ConsumerMessage> {
    if (this.#readable) return this.#readable;
    const iterator = this[Symbol.asyncIterator]();
    this.#readable = new ReadableStream<ConsumerMessage>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: async () => {
        // Closing first ends a pull that waits for messages; then the iterator can return.
        await this.close();
        await iterator.return?.();
      },
    }, { highWaterMark: 0 });
    return this.#readable;
  }

  async *#messages(): AsyncGenerator<ConsumerMessage> {
    let finished = false;
    try {
      await this.init();
      while (!this.#closing) {
        this.#markProcessed();
        if (this.#backgroundError) throw this.#backgroundError.error;
        let batch: ConsumerMessage[];
        try {
          if (this.#mode === "processed") await this.#commitUncommitted();
          batch = await this.#poll();
        } catch (err) {
          if (this.#closing) break;
          if (this.#open && isConnectionFailure(err)) {
            await this.#reconnect(err);
          } else if (
            (isConnectionFailure(err) && !this.#client!.closed) ||
            (this.#group !== undefined &&
              isCode(err, ErrorCode.ConsumerGroupMemberNotFound))
          ) {
            // A client that reconnects by itself (or a lost membership): join again and resume.
            await this.#resume(this.#client!).catch((resumeError) => {
              if (!isConnectionFailure(resumeError)) throw resumeError;
            });
          } else if (isConnectionFailure(err)) {
            break; // A borrowed client disconnected: the iteration ends.
          } else {
            throw err;
          }
          continue;
        }
        if (this.#closing) break;
        if (batch.length === 0) {
          if (
            this.#empty.size === 0 && this.#backgroundError === undefined &&
            this.#seeks.size === 0
          ) {
            await this.#sleep(this.#pollIntervalMs);
          }
          continue;
        }
        for (const message of batch) {
          this.#markProcessed();
          if (this.#closing) break;
          if (this.#dropped(message.partitionId)) continue;
          this.#current = message;
          this.#delivered.set(message.partitionId, message.offset);
          yield message;
        }
      }
      finished = true;
    } finally {
      // Leaving the loop early (break, return) means the current message was handled.
      if (!finished && !this.#closing) this.#markProcessed();
      await this.close();
    }
  }

  async #setUp(): Promise<void> {
    const client = this.#client ??= await this.#open!();
    if (this.#group !== undefined) {
      await this.#joinGroup(client);
    } else if (this.#partitionId !== undefined) {
      await this.#assign([this.#partitionId]);
    } else {
      const topic = await client.getTopic({
        streamId: this.#streamId,
        topicId: this.#topicId,
      });
      if (!topic) throw this.#topicNotFound();
      await this.#assign(
        Array.from({ length: topic.partitionsCount }, (_, i) => i),
      );
    }
    this.#ready = true;
  }

  #initialized(): boolean {
    return this.#ready;
  }

  #topicNotFound(): IggyError {
    return commandError(CommandCode.PollMessages, ErrorCode.TopicIdNotFound, {
      streamId: this.#streamId,
      topicId: this.#topicId,
    });
  }

  #groupRef(): {
    streamId: Identifier;
    topicId: Identifier;
    groupId: Identifier;
  } {
    return {
      streamId: this.#streamId,
      topicId: this.#topicId,
      groupId: this.#group!,
    };
  }

  /**
   * Joins the group (creating it when asked) and reads this member's partitions. The member is
   * recognised as the one id that appeared with the join (ids are never reused while a member
   * stays), or else by probing (see `#probeAssignment`).
   */
  async #joinGroup(client: IggyClient): Promise<void> {
    const ref = this.#groupRef();
    if (this.#createGroup) {
      await client.ensureConsumerGroup({
        streamId: this.#streamId,
        topicId: this.#topicId,
        name: this.#group as string,
      });
    }
    const before = await client.getConsumerGroup(ref);
    await client.joinConsumerGroup(ref);
    const after = await client.getConsumerGroup(ref);
    const known = new Set(before?.members.map((m) => m.id));
    const joined = after?.members.filter((m) => !known.has(m.id)) ?? [];
    this.#memberId = joined.length === 1 ? joined[0]!.id : undefined;
    await this.#readAssignment(client, after);
  }

  /** Reads the group's assignment every `rebalanceCheckMs`. */
  async #checkAssignment(client: IggyClient): Promise<void> {
    if (
      this.#group === undefined ||
      performance.now() - this.#assignmentReadAt < this.#rebalanceCheckMs
    ) return;
    await this.#readAssignment(client);
  }

  async #readAssignment(
    client: IggyClient,
    details?: ConsumerGroupDetails,
  ): Promise<void> {
    details ??= await client.getConsumerGroup(this.#groupRef());
    this.#assignmentReadAt = performance.now();
    if (!details) return; // The group is gone: the next poll reports it.
    const member = details.members.find((m) => m.id === this.#memberId);
    await this.#assign(
      member ? member.partitions : await this.#probeAssignment(client, details),
    );
  }

  /**
   * Finds this member's partitions without knowing its id (after a connection that joined the
   * group by itself): a group poll of a partition the member does not own answers with partition
   * 0, so each partition but 0 is asked once (past its end, nothing is read or stored); the member
   * whose other partitions match is this one. Partition 0 stays unknown only when several members
   * match, and then counts as owned when all of them own it.
   */
  async #probeAssignment(
    client: IggyClient,
    details: ConsumerGroupDetails,
  ): Promise<number[]> {
    const owned: number[] = [];
    for (let p = 1; p < details.partitionsCount; p++) {
      const polled = await client.pollMessages({
        streamId: this.#streamId,
        topicId: this.#topicId,
        consumer: this.#consumer,
        partitionId: p,
        strategy: PollingStrategy.offset(PAST_ANY_END),
        count: 1,
        autoCommit: false,
      });
      if (polled.partitionId === p) owned.push(p);
    }
    const key = owned.join();
    const matches = details.members.filter((m) =>
      m.partitions.filter((p) => p !== 0).join() === key
    );
    if (matches.length === 1) {
      this.#memberId = matches[0]!.id;
      return matches[0]!.partitions;
    }
    const zero = matches.length > 0 &&
      matches.every((m) => m.partitions.includes(0));
    return zero ? [0, ...owned] : owned;
  }

  /** Takes a new set of partitions; reports a change to `onRebalance`. */
  async #assign(partitions: number[]): Promise<void> {
    const next = [...partitions].sort((a, b) => a - b);
    const previous = this.#partitions;
    const assigned = next.filter((p) => !previous.includes(p));
    const revoked = previous.filter((p) => !next.includes(p));
    if (this.#ready && assigned.length === 0 && revoked.length === 0) return;
    this.#partitions = next;
    for (const p of revoked) {
      // Another member continues from the group's stored offset.
      this.#delivered.delete(p);
      this.#seeks.delete(p);
      this.#empty.delete(p);
    }
    if (this.#group !== undefined) {
      const list = (ids: number[]) => ids.join(", ") || "none";
      this.#client?.logger.info(
        `Iggy consumer: group "${this.#group}" reads partitions ${
          list(next)
        } (gained ${list(assigned)}, lost ${list(revoked)})`,
      );
    }
    await this.#onRebalance?.({ partitions: [...next], assigned, revoked });
  }

  /** The partition to poll next: a pending seek first, then round-robin; none when all paused. */
  #nextPartition(): number | undefined {
    for (const p of this.#seeks.keys()) {
      if (this.#partitions.includes(p) && !this.#paused.has(p)) return p;
    }
    const count = this.#partitions.length;
    for (let i = 0; i < count; i++) {
      const p = this.#partitions[this.#cursor++ % count]!;
      if (!this.#paused.has(p)) return p;
    }
    return undefined;
  }

  /** One poll; returns the messages not delivered before. */
  async #poll(): Promise<ConsumerMessage[]> {
    const client = this.#client!;
    await this.#checkAssignment(client);
    const partitionId = this.#nextPartition();
    if (partitionId === undefined) {
      this.#empty.clear(); // Nothing to poll: the loop waits.
      return [];
    }
    let strategy: PollingStrategy;
    let count = this.#batchLength;
    const seek = this.#seeks.get(partitionId);
    const last = this.#delivered.get(partitionId);
    if (seek !== undefined) {
      this.#seeks.delete(partitionId);
      this.#delivered.delete(partitionId);
      strategy = seekStrategy(seek);
      if (seek === "last") count = 1;
    } else if (last !== undefined) {
      strategy = PollingStrategy.offset(last + 1n);
    } else if (this.#group !== undefined || this.#resumed) {
      // A group member continues from the group's stored offset.
      strategy = PollingStrategy.next();
    } else {
      strategy = this.#strategy;
    }
    const { messages } = await client.pollMessages({
      streamId: this.#streamId,
      topicId: this.#topicId,
      consumer: this.#consumer,
      partitionId,
      strategy,
      count,
      autoCommit: this.#mode === "poll",
      encryptor: this.#encryptor,
    });
    if (messages.length === 0) {
      // A partition not owned (any more) also answers empty, until the next assignment read.
      if (this.#empty.has(partitionId)) this.#empty.clear();
      else this.#empty.add(partitionId);
      return [];
    }
    this.#empty.clear();
    return messages.map((m) => new ConsumerMessage(partitionId, m));
  }

  /** True for a polled message of a partition paused, sought or revoked since the poll. */
  #dropped(partitionId: number): boolean {
    return (this.#paused.size > 0 && this.#paused.has(partitionId)) ||
      (this.#seeks.size > 0 && this.#seeks.has(partitionId)) ||
      !this.#partitions.includes(partitionId);
  }

  /** Moves the message being worked on to the processed offsets. */
  #markProcessed(): void {
    const message = this.#current;
    if (!message) return;
    this.#current = undefined;
    if (this.#mode !== "poll") {
      this.#uncommitted.set(message.partitionId, message.offset);
    }
  }

  async #commitUncommitted(): Promise<void> {
    const client = this.#client;
    if (!client || this.#uncommitted.size === 0) return;
    const entries = [...this.#uncommitted];
    this.#uncommitted.clear();
    const results = await Promise.allSettled(
      entries.map(([partitionId, offset]) =>
        client.storeConsumerOffset({
          streamId: this.#streamId,
          topicId: this.#topicId,
          consumer: this.#consumer,
          partitionId,
          offset,
        })
      ),
    );
    let failure: { error: unknown } | undefined;
    results.forEach((result, i) => {
      if (result.status === "fulfilled") return;
      const error = result.reason;
      // The partition went to another member: it continues from the stored offset.
      if (isCode(error, ErrorCode.NotResolvedConsumer)) return;
      if (isConnectionFailure(error)) {
        const [partitionId, offset] = entries[i]!;
        if (!this.#uncommitted.has(partitionId)) {
          this.#uncommitted.set(partitionId, offset);
        }
      }
      failure ??= { error };
    });
    if (failure) throw failure.error;
  }

  #commitInBackground(): void {
    this.#commitUncommitted().catch((error) => {
      if (!isConnectionFailure(error)) this.#backgroundError ??= { error };
      this.#wakeUp?.();
    });
  }

  async #reconnect(cause: unknown): Promise<void> {
    let lastError = cause;
    for (let attempt = 0; attempt < this.#retries; attempt++) {
      await this.#client?.close().catch(() => {});
      await this.#sleep(attempt === 0 ? 0 : this.#delayMs);
      if (this.#closing) return;
      try {
        const client = await this.#open!();
        this.#client = client;
        if (this.#closing) return;
        await this.#resume(client);
        return;
      } catch (err) {
        if (!isConnectionFailure(err)) throw err;
        lastError = err;
      }
    }
    throw new ConnectionError(
      `Cannot reconnect after ${this.#retries} attempts`,
      { cause: lastError },
    );
  }

  /** After a new connection: joins the group again, stores what was processed, resumes from the stored offsets. */
  async #resume(client: IggyClient): Promise<void> {
    client.logger.info(
      `Iggy consumer: resuming ${
        this.#group === undefined ? "" : `group "${this.#group}" `
      }from the stored offsets (connection or membership lost)`,
    );
    if (this.#group !== undefined) await this.#joinGroup(client);
    await this.#commitUncommitted();
    this.#delivered.clear();
    this.#empty.clear();
    this.#resumed = true;
  }

  async #shutDown(): Promise<void> {
    try {
      await this.#initializing?.catch(() => {});
      const client = this.#client;
      if (!client || client.closed) return;
      if (this.#mode !== "disabled") {
        await this.#commitUncommitted().catch(() => {});
      }
      if (this.#group !== undefined && this.#initializing) {
        await client.leaveConsumerGroup(this.#groupRef()).catch(() => {});
      }
    } finally {
      if (this.#ready && this.#partitions.length > 0) {
        await this.#assign([]).catch((error) =>
          this.#client?.logger.warn(
            "Iggy consumer: onRebalance failed on close",
            error,
          )
        );
      }
      if (this.#open) await this.#client?.close();
    }
  }

  /** Waits `ms`, or less when the consumer is closed meanwhile. */
  #sleep(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = done;
    });
  }
}

/** An offset past the end of any partition: a poll from it reads nothing. */
const PAST_ANY_END = 2n ** 64n - 1n;

function seekStrategy(position: SeekPosition): PollingStrategy {
  if (position === "first") return PollingStrategy.first();
  if (position === "last") return PollingStrategy.last();
  if ("offset" in position) return PollingStrategy.offset(position.offset);
  return PollingStrategy.timestamp(position.timestamp);
}

function isCode(error: unknown, code: number): boolean {
  return error instanceof IggyError && error.code === code;
}
