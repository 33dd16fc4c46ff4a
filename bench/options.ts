/**
 * Command-line options of the bench: parsing, defaults and the derived workload.
 * @module
 */

import { parseArgs } from "node:util";

/** The benchmark modes (as Iggy's bench names them), plus `ceiling`. */
export const MODES = [
  "pinned-producer",
  "pinned-consumer",
  "pinned-producer-and-consumer",
  "balanced-producer",
  "balanced-consumer-group",
  "balanced-producer-and-consumer-group",
  "end-to-end-producing-consumer",
  "ceiling",
] as const;

/** One of {@linkcode MODES}. */
export type Mode = typeof MODES[number];

/** The transports `--transport` can name; each maps to a connection-string scheme. */
export const TRANSPORT_SCHEMES: Readonly<Record<string, string>> = {
  tcp: "iggy+tcp",
  quic: "iggy+quic",
  http: "http",
  websocket: "iggy+ws",
};

/** Everything one bench run is configured with. */
export interface BenchOptions {
  mode: Mode;
  /** `tcp`, `quic`, `http` or `websocket`. */
  transport: string;
  /** `host:port`; from the started server with `--start-server`. */
  serverAddress: string;
  username: string;
  password: string;
  startServer: boolean;
  streams: number;
  partitions: number;
  producers: number;
  consumers: number;
  consumerGroups: number;
  /** Smallest and largest payload size in bytes (equal for a fixed size). */
  messageSize: { min: number; max: number };
  messagesPerBatch: number;
  /** Batches per actor; derived from `totalData` when that is given. */
  messageBatches: number;
  /** Bytes in total across actors (0 = use `messageBatches`). */
  totalData: number;
  /** Bytes per second across all actors (0 = unlimited). */
  rateLimit: number;
  /** Seconds each actor works before measuring. */
  warmupSeconds: number;
  /** Directory for report.json and the HTML charts. */
  output?: string;
  /** Hide the progress bar. */
  quiet: boolean;
  /** Keep the started server's data directory. */
  keepData: boolean;
  /** Rounds of the `ceiling` mode (at least 1); its figures are their medians. */
  rounds: number;
}

/** Defaults scaled to a 2-core machine (the seed run is 10 actors × 1000 batches). */
export const DEFAULTS: Omit<BenchOptions, "mode"> = {
  transport: "tcp",
  serverAddress: "127.0.0.1:8090",
  username: "iggy",
  password: "iggy",
  startServer: false,
  streams: 0,
  partitions: 1,
  producers: 2,
  consumers: 2,
  consumerGroups: 1,
  messageSize: { min: 1000, max: 1000 },
  messagesPerBatch: 1000,
  messageBatches: 100,
  totalData: 0,
  rateLimit: 0,
  warmupSeconds: 0,
  quiet: false,
  keepData: false,
  rounds: 7,
};

/** The usage text printed by `--help`. */
export const USAGE = `Usage: deno task bench [--] <mode> [options]

Modes:
  pinned-producer                      each producer sends to its own stream (partition 0)
  pinned-consumer                      each consumer polls its own stream by offset
  pinned-producer-and-consumer         both at once, one producer and one consumer per stream
  balanced-producer                    producers send to --partitions partitions, balanced
  balanced-consumer-group              consumers poll in consumer groups (next offset, auto commit)
  balanced-producer-and-consumer-group both at once
  end-to-end-producing-consumer        each actor sends a batch, then polls it back
  ceiling                              raw TCP and bare log server floors vs pinned send/poll

Options:
  -t, --transport <tcp|quic|http|websocket>  transport (connection-string scheme)   [tcp]
  -s, --server-address <host:port>     server to benchmark                  [127.0.0.1:8090]
      --username <name> --password <pw> credentials                          [iggy/iggy]
      --start-server                   start a server on a temp data dir
      --insecure                       skip TLS certificate checks (QUIC's self-signed one)
      --streams <n>                    streams (default: one per pinned actor, else 1)
      --partitions <n>                 partitions per topic                              [1]
  -p, --producers <n>                  producers                                         [2]
  -c, --consumers <n>                  consumers                                         [2]
  -g, --consumer-groups <n>            consumer groups (balanced modes)                  [1]
  -m, --message-size <bytes|min..max>  payload size, fixed or a random range          [1000]
  -P, --messages-per-batch <n>         messages per batch                             [1000]
  -b, --message-batches <n>            batches per actor                               [100]
  -T, --total-data <size>              total bytes instead of batches (e.g. 1GB, 200MiB)
  -r, --rate-limit <size>              bytes per second across actors (e.g. 50MB)
  -w, --warmup-time <duration>         warm-up before measuring (e.g. 2s, 500ms)        [0]
      --rounds <n>                     ceiling: interleaved rounds, reported as medians  [7]
  -o, --output <dir>                   write report.json and report.html there
  -q, --quiet                          no progress bar
      --keep-data                      keep the started server's data directory
  -h, --help                           this text`;

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size: `1000`, `1 KB`, `200MiB`, `1.5GB`.
 * @param text The size.
 * @returns Bytes.
 * @throws {TypeError} When the text is not a size.
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new TypeError(
      `Invalid size "${text}": expected e.g. 1000, 64KB, 1GiB`,
    );
  }
  return Math.round(Number(match[1]) * unit);
}

/**
 * Parses a duration in seconds: `2`, `2s`, `500ms`, `1m`.
 * @param text The duration.
 * @returns Seconds.
 * @throws {TypeError} When the text is not a duration.
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!match) {
    throw new TypeError(`Invalid duration "${text}": expected e.g. 2s, 500ms`);
  }
  const value = Number(match[1]);
  return match[2] === "ms"
    ? value / 1000
    : match[2] === "m"
    ? value * 60
    : value;
}

function positive(
  name: string,
  text: string | undefined,
  fallback: number,
  min = 0,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min) {
    throw new TypeError(
      `--${name} must be a ${
        min > 0 ? "positive" : "non-negative"
      } integer: "${text}"`,
    );
  }
  return value;
}

/**
 * Parses the bench's command line.
 * @param args The arguments after the script (a leading `--` is skipped).
 * @returns The options, or `undefined` when `--help` was asked for.
 * @throws {TypeError} On an unknown mode or a bad value.
 */
export function parseBenchArgs(args: string[]): BenchOptions | undefined {
  const { values, positionals } = parseArgs({
    args: args[0] === "--" ? args.slice(1) : args,
    allowPositionals: true,
    options: {
      transport: { type: "string", short: "t" },
      "server-address": { type: "string", short: "s" },
      username: { type: "string" },
      password: { type: "string" },
      "start-server": { type: "boolean" },
      streams: { type: "string" },
      partitions: { type: "string" },
      producers: { type: "string", short: "p" },
      consumers: { type: "string", short: "c" },
      "consumer-groups": { type: "string", short: "g" },
      "message-size": { type: "string", short: "m" },
      "messages-per-batch": { type: "string", short: "P" },
      "message-batches": { type: "string", short: "b" },
      "total-data": { type: "string", short: "T" },
      "rate-limit": { type: "string", short: "r" },
      "warmup-time": { type: "string", short: "w" },
      rounds: { type: "string" },
      output: { type: "string", short: "o" },
      quiet: { type: "boolean", short: "q" },
      "keep-data": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  const mode = (positionals[0] ?? "pinned-producer") as Mode;
  if (!MODES.includes(mode)) {
    throw new TypeError(
      `Unknown mode "${mode}": expected one of ${MODES.join(", ")}`,
    );
  }
  if (positionals.length > 1) {
    throw new TypeError(`Unexpected argument "${positionals[1]}"`);
  }
  const transport = values.transport ?? DEFAULTS.transport;
  if (TRANSPORT_SCHEMES[transport] === undefined) {
    throw new TypeError(
      `Unknown transport "${transport}": expected one of ${
        Object.keys(TRANSPORT_SCHEMES).join(", ")
      }`,
    );
  }
  let messageSize = DEFAULTS.messageSize;
  if (values["message-size"] !== undefined) {
    const [lo, hi] = values["message-size"].split("..");
    const min = parseSize(lo!);
    const max = hi === undefined ? min : parseSize(hi);
    if (min < 1 || max < min) {
      throw new TypeError(
        `--message-size must be at least 1 and min <= max: "${
          values["message-size"]
        }"`,
      );
    }
    messageSize = { min, max };
  }
  const options: BenchOptions = {
    mode,
    transport,
    serverAddress: values["server-address"] ?? DEFAULTS.serverAddress,
    username: values.username ?? DEFAULTS.username,
    password: values.password ?? DEFAULTS.password,
    startServer: values["start-server"] ?? false,
    streams: positive("streams", values.streams, DEFAULTS.streams),
    partitions: positive("partitions", values.partitions, DEFAULTS.partitions),
    producers: positive("producers", values.producers, DEFAULTS.producers),
    consumers: positive("consumers", values.consumers, DEFAULTS.consumers),
    consumerGroups: positive(
      "consumer-groups",
      values["consumer-groups"],
      DEFAULTS.consumerGroups,
    ),
    messageSize,
    messagesPerBatch: positive(
      "messages-per-batch",
      values["messages-per-batch"],
      DEFAULTS.messagesPerBatch,
    ),
    messageBatches: positive(
      "message-batches",
      values["message-batches"],
      DEFAULTS.messageBatches,
    ),
    totalData: values["total-data"] ? parseSize(values["total-data"]) : 0,
    rateLimit: values["rate-limit"] ? parseSize(values["rate-limit"]) : 0,
    warmupSeconds: values["warmup-time"]
      ? parseDuration(values["warmup-time"])
      : 0,
    output: values.output,
    quiet: values.quiet ?? false,
    keepData: values["keep-data"] ?? false,
    rounds: positive("rounds", values.rounds, DEFAULTS.rounds, 1),
  };
  if (options.messagesPerBatch < 1) {
    throw new TypeError("--messages-per-batch must be at least 1");
  }
  if (options.partitions < 1) {
    throw new TypeError("--partitions must be at least 1");
  }
  return options;
}

/** Average frame size on the wire and on disk: 64-byte header plus the payload. */
export function averageFrameSize(options: BenchOptions): number {
  return 64 + (options.messageSize.min + options.messageSize.max) / 2;
}

/**
 * Batches each actor handles: `--message-batches`, or `--total-data` split across `actors`.
 * @param options The options.
 * @param actors How many actors share the data.
 * @returns Batches per actor (at least 1).
 */
export function batchesPerActor(options: BenchOptions, actors: number): number {
  if (options.totalData <= 0) return Math.max(1, options.messageBatches);
  const batchBytes = options.messagesPerBatch * options.messageSize.max / 2 +
    options.messagesPerBatch * options.messageSize.min / 2;
  return Math.max(
    1,
    Math.ceil(options.totalData / Math.max(1, actors) / batchBytes),
  );
}
