/**
 * The retention cleaner (`[data_maintenance.messages]`, binary.md §6.8): time- and size-based
 * deletion of whole sealed segments.
 *
 * Per topic, on every run:
 * 1. Expiry: every sealed segment whose newest message is at least `message_expiry` old is
 *    deleted, oldest first in each partition.
 * 2. Size: while the topic's stored bytes exceed `max_topic_size`, the sealed segment with the
 *    oldest newest-message across the topic's partitions is deleted.
 *
 * `0` in either setting means the server default (`[system.topic]`), so an UpdateTopic with 0
 * never means "delete everything"; `u64::MAX` means never / unlimited. The active segment of a
 * partition is never deleted, so a topic can stay above its size limit by at most its active
 * segments. Offsets are never renumbered: First and Next polls start at the oldest retained
 * offset. Unlike DeleteSegments (503), retention does not wait for consumers: stored consumer
 * offsets below the retained range simply resume at the oldest retained message.
 *
 * In a cluster a node cleans only the partitions it leads (their size makes the topic's): a
 * replica's copy drops what its leader dropped (server/cluster/README.md).
 * @module
 */

import type { SegmentInfo } from "../storage/partition_log.ts";
import type { Partition } from "./partition.ts";
import type { Topic, TopicSettings } from "./topic.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Server defaults for the topic settings whose 0 means "server default". */
export interface RetentionDefaults {
  /** µs; `u64::MAX` = never. */
  messageExpiry: bigint;
  /** Bytes; `u64::MAX` = unlimited. */
  maxTopicSize: bigint;
}

/** The retention a topic actually gets. */
export interface RetentionPolicy {
  /** Message expiry in µs, or `undefined` for never. */
  expiry: bigint | undefined;
  /** Max topic size in bytes, or `undefined` for unlimited. */
  maxSize: bigint | undefined;
}

/** What one cleaner pass deleted. */
export interface RetentionReport {
  /** Segments deleted because their messages expired. */
  expiredSegments: number;
  /** Segments deleted because their topic was over its size limit. */
  oversizeSegments: number;
}

/**
 * Resolves a topic's settings against the server defaults (0 = default, u64::MAX = none).
 * @param settings the topic's stored settings
 * @param defaults the server defaults
 * @returns the expiry and size limit in force
 * @example Usage
 * ```ts ignore
 * const policy = retentionPolicy(topic.settings, system.options.topicDefaults);
 * ```
 */
export function retentionPolicy(
  settings: Pick<TopicSettings, "messageExpiry" | "maxTopicSize">,
  defaults: RetentionDefaults,
): RetentionPolicy {
  const expiry = settings.messageExpiry === 0n
    ? defaults.messageExpiry
    : settings.messageExpiry;
  const maxSize = settings.maxTopicSize === 0n
    ? defaults.maxTopicSize
    : settings.maxTopicSize;
  return {
    expiry: expiry === 0n || expiry === U64_MAX ? undefined : expiry,
    maxSize: maxSize === 0n || maxSize === U64_MAX ? undefined : maxSize,
  };
}

/**
 * Applies retention to one topic.
 * @param topic the topic
 * @param defaults the server defaults for 0 settings
 * @param now the current time in µs
 * @param partitions the partitions this node cleans (all of them but in a cluster); their
 *   stored bytes are what `max_topic_size` limits
 * @returns the number of segments deleted for each reason
 */
export async function enforceTopicRetention(
  topic: Topic,
  defaults: RetentionDefaults,
  now: bigint,
  partitions: Partition[] = topic.partitions,
): Promise<RetentionReport> {
  const policy = retentionPolicy(topic.settings, defaults);
  const report: RetentionReport = { expiredSegments: 0, oversizeSegments: 0 };
  const expiry = policy.expiry;
  if (expiry !== undefined) {
    const cutoff = now - expiry;
    for (const partition of partitions) {
      report.expiredSegments += await partition.log.deleteOldestSegmentsWhile(
        (info) => info.lastTimestamp <= cutoff,
      );
    }
  }
  const maxSize = policy.maxSize;
  if (maxSize !== undefined) {
    // This node's logs, what the deletes shrink (not figures reported for another node's copy).
    const sizeBytes = () =>
      partitions.reduce((n, p) => n + p.log.sizeBytes, 0n);
    while (sizeBytes() > maxSize) {
      const victim = oldestSealedSegment(partitions);
      if (!victim) break;
      const deleted = await victim.partition.log.deleteOldestSegmentsWhile(
        (info) => info.startOffset === victim.info.startOffset,
      );
      if (deleted === 0) break;
      report.oversizeSegments += deleted;
    }
  }
  return report;
}

/** The partition whose oldest sealed segment holds the oldest newest-message. */
function oldestSealedSegment(
  partitions: Partition[],
): { partition: Partition; info: SegmentInfo } | undefined {
  let best: { partition: Partition; info: SegmentInfo } | undefined;
  for (const partition of partitions) {
    if (partition.log.segmentsCount < 2) continue;
    const info = partition.log.segments[0]!;
    if (!best || info.lastTimestamp < best.info.lastTimestamp) {
      best = { partition, info };
    }
  }
  return best;
}

/**
 * Runs {@linkcode enforceTopicRetention} over many topics, one after the other. A failure on
 * one topic (say, deleted meanwhile) is reported through `onError` and the pass goes on.
 * @param topics the topics to clean
 * @param options the server defaults, the time (µs), the error sink, and which partitions of a
 *   topic this node cleans (all by default)
 * @returns the totals of the pass
 */
export async function enforceRetention(
  topics: Iterable<Topic>,
  options: {
    defaults: RetentionDefaults;
    now: bigint;
    onError?: (topic: Topic, error: unknown) => void;
    partitionsOf?: (topic: Topic) => Partition[];
  },
): Promise<RetentionReport> {
  const total: RetentionReport = { expiredSegments: 0, oversizeSegments: 0 };
  for (const topic of [...topics]) {
    try {
      const r = await enforceTopicRetention(
        topic,
        options.defaults,
        options.now,
        options.partitionsOf?.(topic),
      );
      total.expiredSegments += r.expiredSegments;
      total.oversizeSegments += r.oversizeSegments;
    } catch (err) {
      options.onError?.(topic, err);
    }
  }
  return total;
}
