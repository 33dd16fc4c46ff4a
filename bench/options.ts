/**
 * The bench's options: modes, defaults, size and duration values and the derived workload (the
 * command line itself is parsed in `args.ts`).
 * @module
 */

/** The benchmark modes (Iggy's bench kinds), plus our own `ceiling` and `cluster`. */
export const MODES = [
  "pinned-producer",
  "pinned-consumer",
  "pinned-producer-and-consumer",
  "balanced-producer",
  "balanced-consumer-group",
  "balanced-producer-and-consumer-group",
  "end-to-end-producing-consumer",
  "end-to-end-producing-consumer-group",
  "ceiling",
  "cluster",
] as const;

/** One of {@linkcode MODES}. */
export type Mode = typeof MODES[number];

/** Iggy's bench aliases of the modes (`iggy-bench pp tcp` is `pinned-producer` over TCP). */
export const MODE_ALIASES: Readonly<Record<string, Mode>> = {
  pp: "pinned-producer",
  pc: "pinned-consumer",
  ppc: "pinned-producer-and-consumer",
  bp: "balanced-producer",
  bcg: "balanced-consumer-group",
  bpcg: "balanced-producer-and-consumer-group",
  e2e: "end-to-end-producing-consumer",
  e2ecg: "end-to-end-producing-consumer-group",
};

/** The transports, each mapped to a connection-string scheme. */
export const TRANSPORT_SCHEMES: Readonly<Record<string, string>> = {
  tcp: "iggy+tcp",
  tls: "iggy+tls",
  quic: "iggy+quic",
  http: "http",
  websocket: "iggy+ws",
};

/** Default server address of each transport (Iggy's defaults). */
export const DEFAULT_ADDRESSES: Readonly<Record<string, string>> = {
  tcp: "127.0.0.1:8090",
  tls: "127.0.0.1:8090",
  quic: "127.0.0.1:8080",
  http: "127.0.0.1:3000",
  websocket: "127.0.0.1:8092",
};

/** Run identifiers written into report.json (the `output` subcommand's options). */
export interface RunIdentity {
  /** `--identifier`: names the run (defaults to the host name). */
  identifier: string;
  /** `--remark`, e.g. "no-cache". */
  remark?: string;
  /** `--extra-info`. */
  extraInfo?: string;
  /** `--gitref`: commit, branch or tag measured. */
  gitref?: string;
  /** `--gitref-date`. */
  gitrefDate?: string;
}

/** `cluster.replication.acks` values the started nodes accept (`--acks`). */
export const ACKS_MODES = ["quorum", "all", "leader"] as const;

/** The `cluster` mode's own options. */
export interface ClusterOptions {
  /** `--nodes`: nodes the bench starts, with an etcd, when `connect` is empty. */
  nodes: number;
  /** `--connect`: TCP `host:port` of a running cluster's nodes (empty = start `nodes` nodes). */
  connect: string[];
  /**
   * `--replication`: the replication factors measured, in this order; absent = 1, 2 and 3, each
   * up to the node count.
   */
  replication?: number[];
  /** `--acks`: `cluster.replication.acks` of the started nodes (absent = the server's default). */
  acks?: typeof ACKS_MODES[number];
  /** `--latency-sends`: single-message sends per factor for the latency figures. */
  latencySends: number;
}

/**
 * The `cluster` mode's defaults; its workload (4 partitions × 200 batches × 1000 messages of
 * 100 B) is the one of the figures in `server/cluster/README.md`.
 */
export const CLUSTER_DEFAULTS = {
  nodes: 3,
  replication: [1, 2, 3],
  latencySends: 500,
  partitions: 4,
  messageBatches: 200,
  messagesPerBatch: 1000,
  messageSize: 100,
} as const;

/** Everything one bench run is configured with. */
export interface BenchOptions {
  mode: Mode;
  /** `tcp`, `tls`, `quic`, `http` or `websocket`. */
  transport: string;
  /** `host:port`; from the started server with `--start-server`. */
  serverAddress: string;
  username: string;
  password: string;
  startServer: boolean;
  /** Streams (0 = the mode's automatic count). */
  streams: number;
  /** Partitions per topic (0 = the mode's automatic count). */
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
  /** Width of a chart sample in seconds (`--sampling-time`). */
  samplingSeconds: number;
  /** Samples averaged in the charts' moving average (`--moving-average-window`). */
  movingAverageWindow: number;
  /** Use `IggyProducer` / `IggyConsumer` instead of the low-level client. */
  highLevelApi: boolean;
  /** Keep existing bench streams (and their data) instead of recreating them. */
  reuseStreams: boolean;
  /** Pretty-print report.json (it always is; accepted for Iggy's command lines). */
  pretty: boolean;
  /** Topic `max_topic_size` in bytes (0 = server default). */
  maxTopicSize: number;
  /** Topic `message_expiry` in microseconds (0 = never). */
  messageExpiryMicros: number;
  /** Consumers' share over producers in mixed modes (accepted, recorded; polls are not paced by it). */
  readAmplification: number;
  /** TCP_NODELAY (always on in this SDK; accepted for Iggy's command lines). */
  nodelay: boolean;
  /** Directory for report.json and the HTML charts. */
  output?: string;
  /** Run identifiers for the report. */
  identity: RunIdentity;
  /** Open report.html in a browser when done. */
  openCharts: boolean;
  /** Hide the progress bar. */
  quiet: boolean;
  /** Keep the started server's data directory. */
  keepData: boolean;
  /** Rounds of the `ceiling` mode (at least 1); its figures are their medians. */
  rounds: number;
  /** The `cluster` mode's options (set in that mode only). */
  cluster?: ClusterOptions;
}

/** Defaults scaled to a 2-core machine (the seed run is 10 actors × 1000 batches). */
export const DEFAULTS: Omit<BenchOptions, "mode"> = {
  transport: "tcp",
  serverAddress: DEFAULT_ADDRESSES.tcp!,
  username: "iggy",
  password: "iggy",
  startServer: false,
  streams: 0,
  partitions: 0,
  producers: 2,
  consumers: 2,
  consumerGroups: 1,
  messageSize: { min: 1000, max: 1000 },
  messagesPerBatch: 1000,
  messageBatches: 100,
  totalData: 0,
  rateLimit: 0,
  warmupSeconds: 0,
  samplingSeconds: 0.01,
  movingAverageWindow: 20,
  highLevelApi: false,
  reuseStreams: false,
  pretty: false,
  maxTopicSize: 0,
  messageExpiryMicros: 0,
  readAmplification: 1.05,
  nodelay: false,
  identity: { identifier: "" },
  openCharts: false,
  quiet: false,
  keepData: false,
  rounds: 7,
};

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

const DURATION_UNITS: Record<string, number> = {
  us: 1e-6,
  ms: 1e-3,
  "": 1,
  s: 1,
  sec: 1,
  m: 60,
  min: 60,
  h: 3600,
  hour: 3600,
};

/**
 * Parses a duration in seconds: `2`, `2s`, `500ms`, `5min`, `1h`, or several parts (`1m 30s`).
 * @param text The duration.
 * @returns Seconds.
 * @throws {TypeError} When the text is not a duration.
 */
export function parseDuration(text: string): number {
  const parts = text.trim().split(/\s+/);
  let seconds = 0;
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    const unit = match ? DURATION_UNITS[match[2]!] : undefined;
    if (!match || unit === undefined) {
      throw new TypeError(
        `Invalid duration "${text}": expected e.g. 2s, 500ms, 5min, 1h`,
      );
    }
    seconds += Number(match[1]) * unit;
  }
  return seconds;
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
