/**
 * Counted logging for events a client (or the environment) can repeat at will: the first event of a
 * kind is logged at once, the repeats within the next window are only counted and reported as one
 * line with `repeated=N`, so a flood of bad requests or failed accepts cannot flood the log.
 * @module
 */

import type { LogFields, Logger } from "../logger.ts";

/** Default length of a counting window: one line per kind of event per second at most. */
export const COUNT_WINDOW_MS = 1000;

type CountedLevel = "warn" | "info";

/** One kind of event (level and message) and what it has seen since its last line. */
interface Kind {
  level: CountedLevel;
  message: string;
  /** When its last line was written. */
  since: number;
  /** Events not yet written. */
  suppressed: number;
  /** Fields of the last suppressed event. */
  fields: LogFields | undefined;
}

/** Options of {@linkcode CountedLog}. */
export interface CountedLogOptions {
  /** Milliseconds between two lines of the same kind. @default 1000 */
  windowMs?: number;
  /** Clock in milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * Wraps a {@linkcode Logger}: at most one line per message and level per window; a line that stands
 * for more than one event carries `repeated=N` (the events since the previous line of that kind).
 * Counts left at the end of a window are written by {@linkcode CountedLog.flush} (called by the
 * owner's timer) or with the next event of the kind.
 *
 * @example Usage
 * ```ts
 * import { createLogger } from "../logger.ts";
 * import { CountedLog } from "./counted_log.ts";
 * const log = new CountedLog(createLogger("info", { write: () => {} }));
 * for (let i = 0; i < 100; i++) log.warn("Accept failed", { error: "EMFILE" });
 * log.flush(Infinity); // one line for the first, one with repeated=99 for the rest
 * ```
 */
export class CountedLog {
  readonly #logger: Logger;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, Kind>();

  /**
   * @param logger Where the lines go.
   * @param options Window length and clock.
   */
  constructor(logger: Logger, options: CountedLogOptions = {}) {
    this.#logger = logger;
    this.#windowMs = options.windowMs ?? COUNT_WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The wrapped logger, for events that are never repeated. */
  get logger(): Logger {
    return this.#logger;
  }

  /** Counts a warning (logged at once, or counted when one of its kind was logged recently). */
  warn(message: string, fields?: LogFields): void {
    this.#note("warn", message, fields);
  }

  /** Counts an informational event (see {@linkcode CountedLog.warn}). */
  info(message: string, fields?: LogFields): void {
    this.#note("info", message, fields);
  }

  /**
   * Writes the counts of kinds whose window has ended and forgets quiet kinds.
   *
   * @param now The time to judge windows by. @default the clock
   */
  flush(now: number = this.#now()): void {
    for (const [key, kind] of this.#kinds) {
      if (now - kind.since < this.#windowMs) continue;
      if (kind.suppressed === 0) {
        this.#kinds.delete(key);
        continue;
      }
      this.#write(kind, kind.fields, kind.suppressed);
      kind.since = now;
    }
  }

  #note(level: CountedLevel, message: string, fields?: LogFields): void {
    if (!this.#logger.enabled(level)) return;
    const key = `${level} ${message}`;
    const now = this.#now();
    const kind = this.#kinds.get(key);
    if (kind === undefined) {
      const fresh: Kind = {
        level,
        message,
        since: now,
        suppressed: 0,
        fields: undefined,
      };
      this.#kinds.set(key, fresh);
      this.#write(fresh, fields, 1);
      return;
    }
    if (now - kind.since < this.#windowMs) {
      kind.suppressed++;
      kind.fields = fields;
      return;
    }
    const events = kind.suppressed + 1;
    kind.since = now;
    this.#write(kind, fields, events);
  }

  #write(kind: Kind, fields: LogFields | undefined, events: number): void {
    const all = events > 1 ? { ...fields, repeated: events } : fields;
    kind.suppressed = 0;
    kind.fields = undefined;
    this.#logger[kind.level](kind.message, all);
  }
}
