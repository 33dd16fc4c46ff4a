/**
 * The periodic system information line (`system.logging.sysinfo_print_interval`), logged by module
 * `sysinfo`: process CPU and memory, machine memory, open files, clients and stored data.
 * @module
 */

import type { System } from "./domain/system.ts";
import type { Logger } from "./logger.ts";
import { readProcessStats } from "./process_stats.ts";

const MIB = 1024 * 1024;

function mib(bytes: number | bigint): number {
  return Math.round(Number(bytes) / MIB * 10) / 10;
}

/** Counts of what the system stores. */
function storedTotals(system: System) {
  let topics = 0, partitions = 0;
  let messages = 0n, bytes = 0n;
  for (const stream of system.streams.values()) {
    topics += stream.topics.size;
    bytes += stream.sizeBytes;
    for (const topic of stream.topics.values()) {
      partitions += topic.partitions.length;
      messages += topic.messagesCount;
    }
  }
  return { topics, partitions, messages, bytes };
}

/**
 * Logs one system information line every `interval` milliseconds until stopped.
 *
 * @param system The running system.
 * @param options The period (0 = never) and the logger (its `sysinfo` module is used).
 * @returns A handle whose `stop()` ends the timer.
 */
export function startSysinfo(
  system: System,
  options: { interval: number; logger: Logger },
): { stop(): void } {
  if (options.interval <= 0) return { stop() {} };
  const log = options.logger.module("sysinfo");
  let previous = { cpu: readProcessStats().cpuSeconds, at: performance.now() };
  const timer = setInterval(() => {
    if (!log.enabled("info")) return;
    const process = readProcessStats();
    const now = performance.now();
    const cpuPercent = (process.cpuSeconds - previous.cpu) /
      ((now - previous.at) / 1000) * 100;
    previous = { cpu: process.cpuSeconds, at: now };
    const machine = Deno.systemMemoryInfo();
    const stored = storedTotals(system);
    log.info("System info", {
      cpu_percent: Math.round(cpuPercent * 10) / 10,
      rss_mib: mib(process.residentBytes),
      heap_mib: mib(process.heapUsedBytes),
      machine_available_mib: mib(machine.available),
      machine_total_mib: mib(machine.total),
      open_fds: process.openFds,
      clients: system.clients.size,
      streams: system.streams.size,
      topics: stored.topics,
      partitions: stored.partitions,
      messages: stored.messages,
      stored_mib: mib(stored.bytes),
      uptime_s: Math.round(performance.now() / 1000),
    });
  }, options.interval);
  Deno.unrefTimer(timer);
  return { stop: () => clearInterval(timer) };
}
