/**
 * The committed metadata log, kept in etcd: entry `i` is the key `/<name>/log/<i>`, created by a
 * transaction that succeeds only if that key does not exist yet. Every proposer picks the index
 * after the last entry it has seen, so two nodes proposing at once race for the same key and
 * exactly one wins; the loser catches up, validates again against the new state and retries.
 * Keys are never rewritten, so every node reads the same entries in the same order and applies
 * them one at a time, in index order.
 * @module
 */

import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";
import {
  type Compare,
  delay,
  type EtcdClient,
  EtcdError,
  type Operation,
} from "./etcd.ts";
import type { KeyValue } from "./etcd.ts";
import type { ClusterKeys } from "./keys.ts";

/** Applies one committed entry to the local metadata (`own`: this node proposed it). */
export type ApplyEntry = (
  index: number,
  payload: string,
  own: boolean,
) => void | Promise<void>;

/** What a proposal commits: the entry and other keys to write in the same transaction. */
export interface Proposal {
  payload: string;
  /** Extra writes committed atomically with the entry (e.g. partition assignments). */
  also?: Operation[];
  /**
   * Conditions the other writes rely on (e.g. the assignments they rewrite are still the ones
   * read): when one fails the proposal is retried like a lost race.
   */
  compare?: Compare[];
}

/** Options of {@linkcode ReplicatedLog}. */
export interface ReplicatedLogOptions {
  /** Index of the last entry already applied locally (0 for a fresh node). */
  lastApplied: number;
  apply: ApplyEntry;
  /** Proposals that lose this many races in a row fail. @default {20} */
  maxAttempts?: number;
}

/** The metadata log of one cluster, as one node sees it. */
export class ReplicatedLog {
  readonly #etcd: EtcdClient;
  readonly #keys: ClusterKeys;
  readonly #apply: ApplyEntry;
  readonly #maxAttempts: number;
  /** Highest index received from etcd (applied or queued). */
  #received: number;
  #applied: number;
  #applying: Promise<void> = Promise.resolve();
  #proposals: Promise<unknown> = Promise.resolve();
  #waiters: { index: number; resolve: () => void }[] = [];
  #catchingUp: Promise<void> | undefined;
  #nextCatchUp: Promise<void> | undefined;
  /** The proposal in flight, to tell this node's entries from the others' when they arrive. */
  #proposing: { index: number; payload: string } | undefined;
  #failure: unknown;

  /**
   * @param etcd the client
   * @param keys the cluster's keys
   * @param options where to start and how to apply
   */
  constructor(
    etcd: EtcdClient,
    keys: ClusterKeys,
    options: ReplicatedLogOptions,
  ) {
    this.#etcd = etcd;
    this.#keys = keys;
    this.#apply = options.apply;
    this.#maxAttempts = options.maxAttempts ?? 20;
    this.#received = options.lastApplied;
    this.#applied = options.lastApplied;
  }

  /** Index of the last entry applied locally. */
  get lastApplied(): number {
    return this.#applied;
  }

  /** Index of the last entry seen in etcd. */
  get lastReceived(): number {
    return this.#received;
  }

  /**
   * Takes a log key seen in etcd (the initial read or the watch). Entries already received are
   * ignored; the next one is queued for application; a gap triggers a read of the missing ones.
   */
  receive(kv: KeyValue): void {
    const index = this.#keys.logIndex(kv.key);
    if (!Number.isSafeInteger(index) || index <= this.#received) return;
    if (index !== this.#received + 1) {
      this.catchUp().catch(() => {});
      return;
    }
    this.#received = index;
    const own = this.#proposing?.index === index &&
      this.#proposing.payload === kv.value;
    this.#applying = this.#applying.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        await this.#apply(index, kv.value, own);
      } catch (err) {
        // The local copy cannot follow the log any more: stop applying, fail the waiters.
        this.#failure = err;
        for (const w of this.#waiters.splice(0)) w.resolve();
        return;
      }
      this.#applied = index;
      this.#waiters = this.#waiters.filter((w) => {
        if (w.index > index) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** Reads every entry after the last received one from etcd and queues them. */
  async catchUp(): Promise<void> {
    const { kvs } = await this.#etcd.rangeFrom(
      this.#keys.logEntry(this.#received + 1),
      this.#keys.log,
    );
    for (const kv of kvs) this.receive(kv);
  }

  /**
   * Applies every entry committed so far (one etcd read when there is nothing new). Callers at
   * the same time share reads: one in flight and one queued to start after it, so a client
   * that asks for something missing in a loop costs etcd one read at a time, not one each.
   * @returns true when entries were applied that had not been when it was called
   */
  async refresh(): Promise<boolean> {
    const before = this.#applied;
    await this.#sharedCatchUp();
    return this.#applied > before;
  }

  /** A catch-up that starts now or after the one in flight (which may predate the caller). */
  #sharedCatchUp(): Promise<void> {
    if (!this.#catchingUp) {
      this.#catchingUp = this.catchUp()
        .then(() => this.waitApplied(this.#received))
        .finally(() => this.#catchingUp = undefined);
      return this.#catchingUp;
    }
    this.#nextCatchUp ??= this.#catchingUp.catch(() => {}).then(() => {
      this.#nextCatchUp = undefined;
      return this.#sharedCatchUp();
    });
    return this.#nextCatchUp;
  }

  /** Resolves once entry `index` is applied locally. */
  waitApplied(index: number): Promise<void> {
    if (this.#applied >= index || this.#failure !== undefined) {
      return this.#failed();
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ index, resolve });
    return promise.then(() => this.#failed());
  }

  #failed(): Promise<void> {
    return this.#failure === undefined ? Promise.resolve() : Promise.reject(
      new IggyError(
        ErrorCode.Error,
        `this node stopped applying the metadata log: ${
          this.#failure instanceof Error
            ? this.#failure.message
            : String(this.#failure)
        }`,
      ),
    );
  }

  /**
   * Commits one entry: waits until every entry seen is applied, calls `build` (which validates
   * against the local metadata and may throw to refuse), appends the result at the next index,
   * and resolves once it is applied locally. A lost race retries with a fresh `build`. One
   * proposal at a time per node.
   * @returns the entry's index
   * @throws what `build` throws; {@linkcode IggyError} 11001 `ShardCommunicationError` naming etcd when it is unreachable
   */
  propose(build: () => Proposal | Promise<Proposal>): Promise<number> {
    const result = this.#proposals.then(() => this.#propose(build))
      .finally(() => this.#proposing = undefined);
    this.#proposals = result.catch(() => {});
    return result;
  }

  async #propose(build: () => Proposal | Promise<Proposal>): Promise<number> {
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      await this.waitApplied(this.#received);
      const index = this.#received + 1;
      let proposal: Proposal;
      try {
        proposal = await build();
      } catch (err) {
        // A refusal must hold against the whole log, not a copy that lags behind the watch:
        // when entries were committed meanwhile, validate again against them.
        if (await this.refresh().catch(() => false)) continue;
        throw err;
      }
      this.#proposing = { index, payload: proposal.payload };
      let succeeded: boolean;
      try {
        ({ succeeded } = await this.#etcd.txn(
          [
            { key: this.#keys.logEntry(index), createRevision: 0 },
            ...(proposal.compare ?? []),
          ],
          [
            {
              put: { key: this.#keys.logEntry(index), value: proposal.payload },
            },
            ...(proposal.also ?? []),
          ],
        ));
      } catch (err) {
        throw clusterUnavailable(err);
      }
      if (succeeded) {
        this.receive({
          key: this.#keys.logEntry(index),
          value: proposal.payload,
          createRevision: 0,
          modRevision: 0,
          lease: "0",
        });
        await this.waitApplied(index);
        return index;
      }
      // Another node took this index: read what it wrote, then validate again.
      await this.catchUp().catch((err) => {
        throw clusterUnavailable(err);
      });
      await delay(attempt * 5);
    }
    throw new IggyError(
      ErrorCode.Error,
      "the metadata change lost too many races with other nodes; try again",
    );
  }
}

/** The error a metadata change (or another cluster-wide `change`) gets when etcd cannot be reached. */
export function clusterUnavailable(
  cause: unknown,
  change = "change metadata",
): IggyError {
  const detail = cause instanceof EtcdError
    ? cause.message
    : cause instanceof Error
    ? cause.message
    : String(cause);
  return new IggyError(
    ErrorCode.ShardCommunicationError,
    `Cannot ${change}: the cluster's etcd is unreachable (${detail})`,
  );
}
