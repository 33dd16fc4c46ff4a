/**
 * Parsers for the value formats of the server configuration: durations, byte sizes, expiries and
 * max topic sizes, with the same rules as Iggy 0.8.0 (humantime durations, byte-unit sizes).
 *
 * @module
 */

/** `u64::MAX`: the expiry that means "never expire" and the max topic size that means "unlimited". */
export const U64_MAX = 18446744073709551615n;

/** Expiry value meaning "never expire" (`u64::MAX` microseconds). */
export const EXPIRY_NEVER: bigint = U64_MAX;

/** Expiry value meaning "use the server default" (0). */
export const EXPIRY_SERVER_DEFAULT = 0n;

/** Max topic size meaning "unlimited" (`u64::MAX` bytes). */
export const MAX_TOPIC_SIZE_UNLIMITED: bigint = U64_MAX;

/** Max topic size meaning "use the server default" (0). */
export const MAX_TOPIC_SIZE_SERVER_DEFAULT = 0n;

const NANOS_PER_SECOND = 1_000_000_000n;
const MAX_EXPIRY_SECONDS = 4_294_967_295n;

// humantime unit names -> [seconds, nanoseconds] per unit. Case-sensitive ("M" = month, "m" = minute).
const TIME_UNITS: Record<string, readonly [bigint, bigint]> = {};
for (
  const [names, seconds, nanos] of [
    [["nanos", "nsec", "ns"], 0n, 1n],
    [["usec", "us", "µs"], 0n, 1_000n],
    [["millis", "msec", "ms"], 0n, 1_000_000n],
    [["seconds", "second", "secs", "sec", "s"], 1n, 0n],
    [["minutes", "minute", "min", "mins", "m"], 60n, 0n],
    [["hours", "hour", "hr", "hrs", "h"], 3_600n, 0n],
    [["days", "day", "d"], 86_400n, 0n],
    [["weeks", "week", "w"], 604_800n, 0n],
    [["months", "month", "M"], 2_630_016n, 0n],
    [["years", "year", "y"], 31_557_600n, 0n],
  ] as const
) {
  for (const name of names) TIME_UNITS[name] = [seconds, nanos];
}

/**
 * Parses a humantime duration ("1h 30min", "500ms") into nanoseconds. Case-sensitive, integers only.
 */
function parseHumantimeNanos(input: string): bigint {
  const text = input.trim();
  if (text === "") {
    throw new RangeError(`Invalid duration "${input}": value is empty`);
  }
  const span = /([0-9]+)\s*([a-zA-Zµ]*)\s*/y;
  let total = 0n;
  let at = 0;
  while (at < text.length) {
    span.lastIndex = at;
    const match = span.exec(text);
    if (match === null) {
      throw new RangeError(
        `Invalid duration "${input}": expected a number at ${at}`,
      );
    }
    const [, digits, unit] = match as unknown as [string, string, string];
    if (unit === "") {
      throw new RangeError(
        `Invalid duration "${input}": time unit needed, for example "${digits}s"`,
      );
    }
    const factor = TIME_UNITS[unit];
    if (factor === undefined) {
      throw new RangeError(
        `Invalid duration "${input}": unknown time unit "${unit}" (use ns, us, ms, s, m, h, days, weeks, months, years)`,
      );
    }
    total += BigInt(digits) * (factor[0] * NANOS_PER_SECOND + factor[1]);
    at = span.lastIndex;
  }
  if (total / NANOS_PER_SECOND > U64_MAX) {
    throw new RangeError(`Invalid duration "${input}": number is too large`);
  }
  return total;
}

/**
 * Parses a configuration duration into microseconds.
 *
 * Accepts humantime-style spans, case-insensitively: `"500ms"`, `"5 s"`, `"1 m"` (minute), `"1 h"`,
 * `"7 days"`, `"2 days 4 hours 15 minutes"`. `"0"`, `"none"`, `"unlimited"` and `"disabled"` are 0.
 * Because the input is lower-cased first, `"M"` is a minute, as in Iggy.
 *
 * @param input The duration text.
 * @returns The duration in whole microseconds (sub-microsecond parts are dropped).
 * @throws {RangeError} If the text is not a valid duration or exceeds `Number.MAX_SAFE_INTEGER` µs.
 * @example Usage
 * ```ts
 * import { parseDuration } from "./config_values.ts";
 * parseDuration("1 m"); // 60_000_000
 * ```
 */
export function parseDuration(input: string): number {
  const lower = input.trim().toLowerCase();
  if (
    lower === "0" || lower === "none" || lower === "unlimited" ||
    lower === "disabled"
  ) return 0;
  const micros = parseHumantimeNanos(lower) / 1000n;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Invalid duration "${input}": number is too large`);
  }
  return Number(micros);
}

/**
 * Parses a message or token expiry into microseconds.
 *
 * `"none"`, `"None"`, `"unlimited"`, `"Unlimited"` and `"never_expire"` give {@linkcode EXPIRY_NEVER};
 * `"default"`, `"server_default"`, `"Default"` and `"Server_default"` give
 * {@linkcode EXPIRY_SERVER_DEFAULT} (0); anything else is a case-sensitive humantime duration of at
 * most 2^32−1 seconds.
 *
 * @param input The expiry text.
 * @returns The expiry in microseconds, `0n` for server default or `u64::MAX` for never.
 * @throws {RangeError} If the text is not a valid expiry.
 * @example Usage
 * ```ts
 * import { parseExpiry } from "./config_values.ts";
 * parseExpiry("7 days"); // 604_800_000_000n
 * ```
 */
export function parseExpiry(input: string): bigint {
  switch (input) {
    case "unlimited":
    case "Unlimited":
    case "none":
    case "None":
    case "never_expire":
      return EXPIRY_NEVER;
    case "default":
    case "Default":
    case "server_default":
    case "Server_default":
      return EXPIRY_SERVER_DEFAULT;
  }
  const nanos = parseHumantimeNanos(input);
  if (nanos / NANOS_PER_SECOND > MAX_EXPIRY_SECONDS) {
    throw new RangeError(
      `Invalid expiry "${input}": value too big, the maximum is ${MAX_EXPIRY_SECONDS} seconds`,
    );
  }
  return nanos / 1000n;
}

// Byte-size unit prefixes -> multiplier (decimal, binary).
const BYTE_PREFIXES: Record<string, readonly [bigint, bigint]> = {
  K: [10n ** 3n, 2n ** 10n],
  M: [10n ** 6n, 2n ** 20n],
  G: [10n ** 9n, 2n ** 30n],
  T: [10n ** 12n, 2n ** 40n],
  P: [10n ** 15n, 2n ** 50n],
  E: [10n ** 18n, 2n ** 60n],
};

/**
 * Parses a byte size exactly, as a `bigint`.
 *
 * @param input A number of bytes, or `"<number> <unit>"` (see {@linkcode parseByteSize}).
 * @returns The size in bytes, rounded up.
 * @throws {RangeError} If the input is not a valid byte size or exceeds `u64::MAX`.
 */
export function parseByteSizeBig(input: string | number | bigint): bigint {
  if (typeof input === "bigint" || typeof input === "number") {
    if (
      typeof input === "number" && !Number.isSafeInteger(input) || input < 0 ||
      BigInt(input) > U64_MAX
    ) {
      throw new RangeError(
        `Invalid byte size ${input}: expected a non-negative integer`,
      );
    }
    return BigInt(input);
  }
  const text = input.trim();
  if (text === "0" || /^(unlimited|Unlimited|none|None)$/.test(text)) return 0n;
  const match = /^([0-9]+)(?:\.([0-9]+))? *([A-Za-z]*)$/.exec(text);
  if (match === null) {
    throw new RangeError(
      `Invalid byte size "${input}": expected "<number> <unit>", e.g. "2 MB"`,
    );
  }
  const [, whole, fraction = "", unit] = match as unknown as [
    string,
    string,
    string | undefined,
    string,
  ];
  const bits = unitBits(unit);
  if (bits === undefined) {
    throw new RangeError(
      `Invalid byte size "${input}": unknown unit "${unit}" (use B, KB, KiB, MB, MiB, GB, GiB, TB, TiB, ...)`,
    );
  }
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole + fraction) * bits;
  const denominator = scale * 8n;
  const bytes = (numerator + denominator - 1n) / denominator;
  if (bytes > U64_MAX) {
    throw new RangeError(`Invalid byte size "${input}": value is too large`);
  }
  return bytes;
}

// Size of one unit in bits, byte-unit style: the first letter is case-insensitive, a final upper-case
// "B" means bytes and a lower-case "b" (or "bit") means bits; a bare prefix ("K", "Ki") means bytes.
function unitBits(unit: string): bigint | undefined {
  if (unit === "") return 8n;
  const match = /^([KMGTPEkmgtpe])?([iI])?(B|b|[bB][iI][tT][sS]?)?$/.exec(unit);
  if (match === null) return undefined;
  const [, prefix, binary, base] = match;
  if (prefix === undefined && (binary !== undefined || base === undefined)) {
    return undefined;
  }
  const perUnit = base === undefined || base === "B" ? 8n : 1n;
  if (prefix === undefined) return perUnit;
  const [decimal, power] = BYTE_PREFIXES[prefix.toUpperCase()]!;
  return (binary === undefined ? decimal : power) * perUnit;
}

/**
 * Parses a byte size into a number of bytes.
 *
 * Accepts an integer number of bytes, or a string `"<number> <unit>"` (space optional, decimals
 * allowed): `B`, `KB` = 1000, `KiB` = 1024, `MB`, `MiB`, `GB`, `GiB`, `TB`, `TiB`, `PB`, `PiB`, `EB`,
 * `EiB`. The final `B` must be upper-case: a lower-case `b` means bits (`"100 Kb"` = 12,500 bytes).
 * `"0"`, `"unlimited"` and `"none"` are 0. Fractions of a byte are rounded up.
 *
 * @param input The byte size.
 * @returns The size in bytes.
 * @throws {RangeError} If the input is invalid or above `Number.MAX_SAFE_INTEGER`.
 * @example Usage
 * ```ts
 * import { parseByteSize } from "./config_values.ts";
 * parseByteSize("1 GiB"); // 1_073_741_824
 * ```
 */
export function parseByteSize(input: string | number): number {
  const bytes = parseByteSizeBig(input);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Invalid byte size "${input}": value is too large`);
  }
  return Number(bytes);
}

/**
 * Parses a max topic size into bytes.
 *
 * `"unlimited"` gives {@linkcode MAX_TOPIC_SIZE_UNLIMITED}; `"0"`, `"server_default"` and any size
 * of 0 bytes give {@linkcode MAX_TOPIC_SIZE_SERVER_DEFAULT} (0); anything else is a byte size.
 *
 * @param input The max topic size.
 * @returns The size in bytes, `0n` for server default or `u64::MAX` for unlimited.
 * @throws {RangeError} If the input is not a valid size.
 * @example Usage
 * ```ts
 * import { parseMaxTopicSize } from "./config_values.ts";
 * parseMaxTopicSize("10 GB"); // 10_000_000_000n
 * ```
 */
export function parseMaxTopicSize(input: string | number): bigint {
  if (input === "unlimited") return MAX_TOPIC_SIZE_UNLIMITED;
  if (input === "server_default") return MAX_TOPIC_SIZE_SERVER_DEFAULT;
  return parseByteSizeBig(input);
}
