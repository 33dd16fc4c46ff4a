/**
 * Process figures for `/metrics` and the sysinfo log line: CPU time, memory, open files and
 * event-loop lag (measured by a light timer that notes how late it fires).
 * @module
 */

import process from "node:process";

/** A snapshot of the process. */
export interface ProcessStats {
  /** User + system CPU time since start, in seconds. */
  cpuSeconds: number;
  /** Resident set size, in bytes. */
  residentBytes: number;
  /** V8 heap in use, in bytes. */
  heapUsedBytes: number;
  /** Open file descriptors (Linux `/proc/self/fd`); undefined elsewhere. */
  openFds: number | undefined;
  /** Soft limit of open file descriptors (Linux); undefined elsewhere. */
  maxFds: number | undefined;
  /** Process start, in seconds since the Unix epoch. */
  startTimeSeconds: number;
}

/**
 * Reads the process figures (a few system calls; meant for scrapes and periodic lines).
 *
 * @returns The snapshot.
 */
export function readProcessStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const memory = Deno.memoryUsage();
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    openFds: countOpenFds(),
    maxFds: readMaxFds(),
    startTimeSeconds: performance.timeOrigin / 1000,
  };
}

function countOpenFds(): number | undefined {
  try {
    let count = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) count++;
    return count;
  } catch {
    return undefined;
  }
}

function readMaxFds(): number | undefined {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** How often the event-loop probe fires. */
const PROBE_INTERVAL_MS = 500;

/**
 * Measures event-loop lag: a timer due every 500 ms records how late it ran. The timer is
 * unref'd, so it never keeps the process alive.
 */
export class EventLoopProbe {
  #lastLagMs = 0;
  #maxLagMs = 0;
  #expected = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Starts the probe (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#expected = performance.now() + PROBE_INTERVAL_MS;
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lastLagMs = Math.max(0, now - this.#expected);
      if (this.#lastLagMs > this.#maxLagMs) this.#maxLagMs = this.#lastLagMs;
      this.#expected = now + PROBE_INTERVAL_MS;
    }, PROBE_INTERVAL_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops the probe. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Lag of the last probe, in seconds. */
  get lagSeconds(): number {
    return this.#lastLagMs / 1000;
  }

  /** Largest lag seen since the previous call, in seconds (then reset). */
  takeMaxLagSeconds(): number {
    const max = Math.max(this.#maxLagMs, this.#lastLagMs);
    this.#maxLagMs = 0;
    return max / 1000;
  }
}
