/**
 * Wires the data-management features to the configuration: the system options for caching,
 * saving, deduplication, encryption and compression, and the retention cleaner task.
 * @module
 */

import type { ServerConfig } from "./config.ts";
import type { Logger } from "./logger.ts";
import type { System, SystemOptions } from "./domain/system.ts";
import { enforceRetention } from "./domain/retention.ts";
import { nowMicros } from "./domain/system.ts";
import type { Topic } from "./domain/topic.ts";

/** The {@linkcode SystemOptions} fields that come from `[system]` data-management keys. */
export type DataOptions = Pick<
  SystemOptions,
  "cacheSize" | "save" | "deduplication" | "encryptionKey" | "compression"
>;

/**
 * Maps the configuration to the system's data-management options.
 * @param config the loaded configuration
 * @returns the options to spread into `System.open`
 */
export function dataOptions(config: ServerConfig): DataOptions {
  const { system } = config;
  const dedup = system.messageDeduplication;
  return {
    cacheSize: system.cache.size,
    // Every batch is written to its segment before it is acknowledged, so Iggy's "write the
    // buffer after N messages / bytes" thresholds are always met at once. They do not add fsyncs:
    // those come from `enforce_fsync`, the message saver and FlushUnsavedBuffer, as in Iggy
    // (fsyncing every 1 MiB measured about 30 % of send throughput).
    save: undefined,
    deduplication: dedup.enabled
      ? { maxEntries: dedup.maxEntries, ttl: dedup.expiry }
      : undefined,
    encryptionKey: system.encryption.enabled
      ? system.encryption.key
      : undefined,
    compression: {
      allowOverride: system.compression.allowOverride,
      defaultAlgorithm: system.compression.defaultAlgorithm.toLowerCase() ===
          "gzip"
        ? "gzip"
        : "none",
    },
  };
}

/** A running background task. */
export interface BackgroundTask {
  /** Cancels the next run and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * Starts the retention cleaner: one pass over every topic each `interval` ms, never two at
 * once (the next pass is scheduled when one ends).
 * @param system the system whose topics are cleaned
 * @param options the period and the logger
 * @returns the task, to stop on shutdown
 */
export function startRetentionCleaner(
  system: System,
  options: { interval: number; logger: Logger },
): BackgroundTask {
  const { logger } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async (): Promise<void> => {
    const streamOf = new Map<Topic, number>();
    for (const stream of system.streams.values()) {
      for (const topic of stream.topics.values()) {
        streamOf.set(topic, stream.id);
      }
    }
    const cluster = system.cluster;
    const report = await enforceRetention(streamOf.keys(), {
      defaults: system.options.topicDefaults,
      now: nowMicros(),
      // In a cluster, the partitions this node leads (a replica's copy follows its leader).
      partitionsOf: cluster &&
        ((topic) =>
          topic.partitions.filter((p) =>
            !cluster.leaderElsewhere(streamOf.get(topic)!, topic.id, p.id)
          )),
      onError: (topic, error) =>
        logger.warn("Retention failed for a topic", {
          topic: topic.id,
          error: String(error),
        }),
    });
    if (report.expiredSegments > 0 || report.oversizeSegments > 0) {
      logger.info("Retention deleted segments", { ...report });
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = pass()
        .catch((err) =>
          logger.error("Retention cleaner failed", { error: String(err) })
        )
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, options.interval);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
