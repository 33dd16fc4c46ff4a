/**
 * Connection limits shared by the binary transports (TCP, QUIC, WebSocket): how many connections may
 * be open at once in total and from one IP address.
 * @module
 */

/** A held place among the open connections; give it back when the connection ends. */
export interface ConnectionSlot {
  /** Frees the place (idempotent). */
  release(): void;
}

/** What {@linkcode ConnectionLimiter.admit} decides: a slot, or why the connection is refused. */
export type Admission = { slot: ConnectionSlot } | { refused: string };

/** Options of {@linkcode ConnectionLimiter}. */
export interface ConnectionLimits {
  /** Connections open at once over every transport; 0 = no limit. */
  maxConnections: number;
  /** Connections open at once from one IP address; 0 = no limit. */
  maxConnectionsPerIp: number;
}

/**
 * Counts open connections, in total and per IP address, and refuses those over the limits.
 *
 * @example Usage
 * ```ts
 * import { ConnectionLimiter } from "./limits.ts";
 * const limiter = new ConnectionLimiter({ maxConnections: 0, maxConnectionsPerIp: 1 });
 * const first = limiter.admit("10.0.0.1");
 * const second = limiter.admit("10.0.0.1"); // { refused: "too many connections from 10.0.0.1 (limit 1)" }
 * if ("slot" in first) first.slot.release();
 * ```
 */
export class ConnectionLimiter {
  readonly #limits: ConnectionLimits;
  readonly #perIp = new Map<string, number>();
  #open = 0;

  /** @param limits The limits (0 = none). */
  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
  }

  /** Connections open now. */
  get open(): number {
    return this.#open;
  }

  /** True when the total limit is reached (a new connection would be refused whatever its address). */
  get full(): boolean {
    const max = this.#limits.maxConnections;
    return max > 0 && this.#open >= max;
  }

  /**
   * Takes a place for a connection from `ip`, or says why there is none.
   *
   * @param ip The client's IP address (without the port).
   * @returns A slot to release when the connection ends, or the refusal reason.
   */
  admit(ip: string): Admission {
    if (this.full) {
      return {
        refused: `too many connections (limit ${this.#limits.maxConnections})`,
      };
    }
    const fromIp = this.#perIp.get(ip) ?? 0;
    const perIp = this.#limits.maxConnectionsPerIp;
    if (perIp > 0 && fromIp >= perIp) {
      return { refused: `too many connections from ${ip} (limit ${perIp})` };
    }
    this.#open++;
    this.#perIp.set(ip, fromIp + 1);
    let held = true;
    return {
      slot: {
        release: () => {
          if (!held) return;
          held = false;
          this.#open--;
          const left = (this.#perIp.get(ip) ?? 1) - 1;
          if (left > 0) this.#perIp.set(ip, left);
          else this.#perIp.delete(ip);
        },
      },
    };
  }
}

/**
 * The soft limit of open files of this process (`ulimit -n`), from `/proc/self/limits`.
 *
 * @returns The limit, or undefined where it cannot be read (not Linux) or is unlimited.
 */
export function openFileLimit(): number | undefined {
  try {
    const text = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\d+)/m.exec(text);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers a total connection limit to what the open-file limit allows, leaving a quarter of the
 * descriptors (at least 32) to data files and the runtime, so connections are refused cleanly
 * instead of failing to be accepted (and storage failing to open files).
 *
 * @param maxConnections The configured limit; 0 (no limit) is kept as is.
 * @param fileLimit The open-file limit, if known.
 * @returns The limit to apply.
 */
export function fitToFileLimit(
  maxConnections: number,
  fileLimit: number | undefined,
): number {
  if (maxConnections === 0 || fileLimit === undefined) return maxConnections;
  const usable = Math.max(
    1,
    fileLimit - Math.max(32, Math.floor(fileLimit / 4)),
  );
  return Math.min(maxConnections, usable);
}
