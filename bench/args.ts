/**
 * The bench's command line, in the shape of Iggy's `iggy-bench`:
 *
 * ```text
 * bench [common options] <mode> [mode options] [<transport> [transport options] [output [output options]]]
 * ```
 *
 * An option belongs to the stage it follows (as in `iggy-bench`, `-p` before the mode is the password
 * and after it the producer count). Leniency for our own older command lines: an option a stage does
 * not know is looked up in the earlier stages, then among ours (`--start-server`, `--rounds`, …), so
 * `ceiling --start-server -p 2 -b 200` still works; the transport defaults to `tcp`.
 * @module
 */

import {
  ACKS_MODES,
  type BenchOptions,
  CLUSTER_DEFAULTS,
  type ClusterOptions,
  DEFAULT_ADDRESSES,
  DEFAULTS,
  type Mode,
  MODE_ALIASES,
  MODES,
  parseDuration,
  parseSize,
  TRANSPORT_SCHEMES,
} from "./options.ts";

/** Where an option may appear. */
type Stage = "common" | "mode" | "transport" | "output" | "ours";

interface OptionSpec {
  long: string;
  short?: string;
  /** Takes a value (else a flag). */
  value: boolean;
  stage: Stage;
}

const SPECS: OptionSpec[] = [
  // iggy-bench's common options.
  { long: "message-size", short: "m", value: true, stage: "common" },
  { long: "messages-per-batch", short: "P", value: true, stage: "common" },
  { long: "message-batches", short: "b", value: true, stage: "common" },
  { long: "total-data", short: "T", value: true, stage: "common" },
  { long: "rate-limit", short: "r", value: true, stage: "common" },
  { long: "warmup-time", short: "w", value: true, stage: "common" },
  { long: "sampling-time", short: "t", value: true, stage: "common" },
  {
    long: "moving-average-window",
    short: "W",
    value: true,
    stage: "common",
  },
  { long: "high-level-api", short: "H", value: false, stage: "common" },
  { long: "username", short: "u", value: true, stage: "common" },
  { long: "password", short: "p", value: true, stage: "common" },
  { long: "pretty", value: false, stage: "common" },
  { long: "reuse-streams", value: false, stage: "common" },
  // The mode's options (every mode takes all of them; those a mode has no use for are ignored).
  { long: "streams", short: "s", value: true, stage: "mode" },
  { long: "partitions", short: "a", value: true, stage: "mode" },
  { long: "producers", short: "p", value: true, stage: "mode" },
  { long: "producing-consumers", value: true, stage: "mode" },
  { long: "consumers", short: "c", value: true, stage: "mode" },
  { long: "consumer-groups", short: "g", value: true, stage: "mode" },
  { long: "max-topic-size", short: "T", value: true, stage: "mode" },
  { long: "message-expiry", short: "e", value: true, stage: "mode" },
  { long: "read-amplification", short: "R", value: true, stage: "mode" },
  // The cluster mode's own (see CLUSTER_ONLY); --batches, --batch, --size and --replicated are
  // the command line of the former `bench/cluster.ts`.
  { long: "nodes", value: true, stage: "mode" },
  { long: "connect", value: true, stage: "mode" },
  { long: "replication", value: true, stage: "mode" },
  { long: "acks", value: true, stage: "mode" },
  { long: "latency-sends", value: true, stage: "mode" },
  { long: "batches", value: true, stage: "mode" },
  { long: "batch", value: true, stage: "mode" },
  { long: "size", value: true, stage: "mode" },
  { long: "replicated", value: false, stage: "mode" },
  // The transport's options.
  { long: "server-address", value: true, stage: "transport" },
  { long: "nodelay", value: false, stage: "transport" },
  { long: "tls", value: false, stage: "transport" },
  { long: "tls-domain", value: true, stage: "transport" },
  { long: "tls-validate-certificate", value: false, stage: "transport" },
  { long: "tls-ca-file", value: true, stage: "transport" },
  { long: "client-address", value: true, stage: "transport" },
  { long: "server-name", value: true, stage: "transport" },
  { long: "validate-certificate", value: false, stage: "transport" },
  // The `output` subcommand's options.
  { long: "output-dir", short: "o", value: true, stage: "output" },
  { long: "identifier", value: true, stage: "output" },
  { long: "remark", value: true, stage: "output" },
  { long: "extra-info", value: true, stage: "output" },
  { long: "gitref", value: true, stage: "output" },
  { long: "gitref-date", value: true, stage: "output" },
  { long: "open-charts", short: "c", value: false, stage: "output" },
  // Ours, anywhere.
  { long: "start-server", value: false, stage: "ours" },
  { long: "keep-data", value: false, stage: "ours" },
  { long: "rounds", value: true, stage: "ours" },
  { long: "quiet", short: "q", value: false, stage: "ours" },
  { long: "transport", value: true, stage: "ours" },
  { long: "output", short: "o", value: true, stage: "ours" },
  { long: "help", short: "h", value: false, stage: "ours" },
];

/** Options only the cluster mode takes. */
const CLUSTER_ONLY = [
  "nodes",
  "connect",
  "replication",
  "acks",
  "latency-sends",
  "batches",
  "batch",
  "size",
  "replicated",
];

/** Stages searched for an option seen in `stage`: its own, the earlier ones, then ours. */
const LOOKUP: Readonly<Record<Exclude<Stage, "ours">, Stage[]>> = {
  common: ["common", "ours"],
  mode: ["mode", "common", "ours"],
  transport: ["transport", "mode", "common", "ours"],
  output: ["output", "transport", "mode", "common", "ours"],
};

function findSpec(
  stage: Exclude<Stage, "ours">,
  name: string,
  short: boolean,
): OptionSpec | undefined {
  for (const s of LOOKUP[stage]) {
    const spec = SPECS.find((o) =>
      o.stage === s && (short ? o.short === name : o.long === name)
    );
    if (spec) return spec;
  }
  return undefined;
}

/** The usage text printed by `--help`. */
export const USAGE =
  `Usage: deno task bench [--] [common options] <mode> [mode options] [<transport> [transport options] [output [output options]]]

Modes (Iggy's aliases in brackets):
  pinned-producer (pp)                       each producer sends to its own stream (partition 0)
  pinned-consumer (pc)                       each consumer polls its own stream by offset
  pinned-producer-and-consumer (ppc)         both at once, one producer and one consumer per stream
  balanced-producer (bp)                     producers send to the partitions of the streams, balanced
  balanced-consumer-group (bcg)              consumers poll in consumer groups (next offset, auto commit)
  balanced-producer-and-consumer-group (bpcg) both at once
  end-to-end-producing-consumer (e2e)        each actor sends a batch, then polls it back
  end-to-end-producing-consumer-group (e2ecg) producers send, group members poll; latency send to receipt
  ceiling                                    raw TCP and bare log server floors vs pinned send/poll (ours)
  cluster                                    a cluster's send/poll and single-message send latency at
                                             replication factors 1, 2, 3 in one run (ours, TCP)
  examples (e)                               print example command lines

Common options (before the mode):
  -m, --message-size <bytes|min..max>   payload size, fixed or a random range            [1000]
  -P, --messages-per-batch <n>          messages per batch                               [1000]
  -b, --message-batches <n>             batches per actor                                 [100]
  -T, --total-data <size>               total bytes instead of batches (1GB, 200MiB)
  -r, --rate-limit <size>               bytes per second across actors (50MB)
  -w, --warmup-time <duration>          unmeasured work first (2s, 500ms)                   [0s]
  -t, --sampling-time <duration>        width of a chart sample                           [10ms]
  -W, --moving-average-window <n>       samples in the charts' moving average               [20]
  -H, --high-level-api                  use IggyProducer / IggyConsumer
  -u, --username <name>                                                                  [iggy]
  -p, --password <password>                                                              [iggy]
      --reuse-streams                   keep existing bench streams and their data
      --pretty                          (report.json is always indented)

Mode options (after the mode):
  -s, --streams <n>                     streams (default: one per pinned actor, else 1)
  -a, --partitions <n>                  partitions per topic (default: 1 pinned, else per actor)
  -p, --producers <n>                   producers (producing consumers in e2e)               [2]
  -c, --consumers <n>                   consumers                                            [2]
  -g, --consumer-groups <n>             consumer groups                                      [1]
  -T, --max-topic-size <size>           topic max size (server default when absent)
  -e, --message-expiry <duration>       topic message expiry (never when absent)
  -R, --read-amplification <x>          accepted and recorded                             [1.05]

cluster (after the mode; its own defaults: -a 4 -b 200 -P 1000 -m 100):
      --nodes <n>                       start etcd (/usr/bin/etcd) and n nodes                 [3]
      --connect <host:port[,...]>       a running cluster instead (one address: the others from
                                        its cluster metadata; --username/--password to log in)
      --replication <r[,r...]>          replication factors measured in turn      [1,2,3 up to n]
      --acks <quorum|all|leader>        cluster.replication.acks of the started nodes
      --latency-sends <n>               single-message sends per factor (p50/p99)            [500]
      --batches, --batch, --size        same as -b, -P, -m (the former bench:cluster's names)

Transport (after the mode): tcp (default), quic, http, websocket (ws), with:
      --server-address <host:port>      server to benchmark     [Iggy's default port of the transport]
      --tls                             TCP over TLS (iggy+tls://)
      --nodelay, --tls-domain, --tls-validate-certificate, --tls-ca-file, --client-address,
      --server-name, --validate-certificate   accepted for iggy-bench command lines (see README)

output (after the transport): write report.json and report.html
  -o, --output-dir <dir>                                                   [performance_results]
      --identifier <name>               run identifier                              [host name]
      --remark <text>, --extra-info <text>, --gitref <ref>, --gitref-date <date>
  -c, --open-charts                     open report.html when done

Ours (anywhere):
      --start-server                    start a server on a temp data dir (its bound ports are used)
      --keep-data                       keep the started server's data directory
      --rounds <n>                      ceiling: interleaved rounds, reported as medians       [7]
  -o, --output <dir>                    same as output -o <dir>
  -q, --quiet                           no progress bar
      --transport <name>                same as the transport subcommand
      --insecure                        skip TLS certificate checks (QUIC's self-signed one)
  -h, --help                            this text`;

/** Example command lines printed by the `examples` mode. */
export const EXAMPLES =
  `Examples (deno task bench -- …, or iggy-bench's command lines with the program name changed):

  pinned-producer --start-server                              2 producers x 100 batches x 1000 x 1000 B
  -b 1000 pp -p 10 tcp                                        Iggy's seed run against 127.0.0.1:8090
  -H pc -c 4 tcp --server-address 127.0.0.1:8090              high-level consumers
  -T 1GB bpcg -p 4 -c 4 -g 2 -a 8 tcp output -o out --identifier laptop --gitref main
  -t 100ms -W 10 e2ecg -p 2 -c 2 -g 1 websocket
  ceiling --start-server -p 2 -c 2 -b 200 --rounds 15         our ceiling mode
  cluster --nodes 3 --replication 1,2,3                       etcd and 3 nodes started, R = 1, 2, 3
  cluster --connect 127.0.0.1:8090 --replication 1,3 -o out   a running cluster, report.json in out`;

/** What {@linkcode parseBenchArgs} found on the command line. */
export type ParsedArgs =
  | { kind: "run"; options: BenchOptions }
  | { kind: "help" }
  | { kind: "examples" };

function count(
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

function transportName(text: string): string | undefined {
  const name = text === "ws" ? "websocket" : text;
  return TRANSPORT_SCHEMES[name] === undefined ? undefined : name;
}

/** Splits the command line into option values (by long name) and the stage positionals. */
function scan(args: string[]): {
  values: Map<string, string | true>;
  mode?: string;
  transport?: string;
  output: boolean;
} {
  const values = new Map<string, string | true>();
  let stage: Exclude<Stage, "ours"> = "common";
  let mode: string | undefined;
  let transport: string | undefined;
  let output = false;
  for (let i = args[0] === "--" ? 1 : 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("-") && arg.length > 1) {
      const long = arg.startsWith("--");
      const eq = long ? arg.indexOf("=") : -1;
      const name = long
        ? arg.slice(2, eq < 0 ? undefined : eq)
        : arg.slice(1, 2);
      const spec = findSpec(stage, name, !long);
      if (!spec) {
        throw new TypeError(
          `Unknown option "${arg}"${
            stage === "common" ? "" : ` after the ${stage}`
          }`,
        );
      }
      let value: string | true = true;
      if (spec.value) {
        if (long && eq >= 0) value = arg.slice(eq + 1);
        else if (!long && arg.length > 2) value = arg.slice(2);
        else {
          const next = args[i + 1];
          if (next === undefined || (next.startsWith("-") && next !== "-")) {
            throw new TypeError(
              `--${spec.long} needs a value${
                next === undefined
                  ? ""
                  : ` (got "${next}"; write --${spec.long}=${next} to pass it)`
              }`,
            );
          }
          value = next;
          i++;
        }
      } else if (long && eq >= 0) {
        throw new TypeError(`--${spec.long} takes no value`);
      }
      // Both stages' -p/-T/-c/-o are stored under their own long names.
      values.set(spec.long, value);
      continue;
    }
    if (stage === "common") {
      mode = arg;
      stage = "mode";
    } else if (stage === "mode") {
      if (transportName(arg) === undefined) {
        throw new TypeError(
          `Unknown transport "${arg}": expected one of tcp, quic, http, websocket (ws)`,
        );
      }
      transport = arg;
      stage = "transport";
    } else if (stage === "transport" && arg === "output") {
      output = true;
      stage = "output";
    } else {
      throw new TypeError(`Unexpected argument "${arg}"`);
    }
  }
  return { values, mode, transport, output };
}

/**
 * Parses the bench's command line (see the module docs for its shape).
 * @param args The arguments after the script (a leading `--` is skipped).
 * @returns What to do: run with options, print the help, or print the examples.
 * @throws {TypeError} On an unknown mode, option or a bad value.
 */
export function parseBenchArgs(args: string[]): ParsedArgs {
  const { values, mode: modeArg, transport: transportArg, output } = scan(
    args,
  );
  if (values.has("help")) return { kind: "help" };
  if (modeArg === "examples" || modeArg === "e") return { kind: "examples" };
  const mode = (MODE_ALIASES[modeArg ?? ""] ?? modeArg ??
    "pinned-producer") as Mode;
  if (!MODES.includes(mode)) {
    throw new TypeError(
      `Unknown mode "${modeArg}": expected one of ${MODES.join(", ")} (or ${
        Object.keys(MODE_ALIASES).join(", ")
      })`,
    );
  }
  const str = (name: string): string | undefined => {
    const value = values.get(name);
    return typeof value === "string" ? value : undefined;
  };
  const flag = (name: string): boolean => values.get(name) === true;
  const transportText = transportArg ?? str("transport") ?? DEFAULTS.transport;
  const transport = transportName(transportText);
  if (transport === undefined) {
    throw new TypeError(
      `Unknown transport "${transportText}": expected one of ${
        Object.keys(TRANSPORT_SCHEMES).join(", ")
      }`,
    );
  }
  let messageSize = DEFAULTS.messageSize;
  const sizeText = str("message-size");
  if (sizeText !== undefined) {
    const [lo, hi] = sizeText.split("..");
    const min = parseSize(lo!);
    const max = hi === undefined ? min : parseSize(hi);
    if (min < 1 || max < min) {
      throw new TypeError(
        `--message-size must be at least 1 and min <= max: "${sizeText}"`,
      );
    }
    messageSize = { min, max };
  }
  const expiry = str("message-expiry");
  const options: BenchOptions = {
    mode,
    transport: flag("tls") && transport === "tcp" ? "tls" : transport,
    serverAddress: str("server-address") ?? DEFAULT_ADDRESSES[transport]!,
    username: str("username") ?? DEFAULTS.username,
    password: str("password") ?? DEFAULTS.password,
    startServer: flag("start-server"),
    streams: count("streams", str("streams"), DEFAULTS.streams),
    partitions: count("partitions", str("partitions"), DEFAULTS.partitions),
    producers: count(
      "producers",
      str("producers") ?? str("producing-consumers"),
      DEFAULTS.producers,
    ),
    consumers: count("consumers", str("consumers"), DEFAULTS.consumers),
    consumerGroups: count(
      "consumer-groups",
      str("consumer-groups"),
      DEFAULTS.consumerGroups,
    ),
    messageSize,
    messagesPerBatch: count(
      "messages-per-batch",
      str("messages-per-batch"),
      DEFAULTS.messagesPerBatch,
    ),
    messageBatches: count(
      "message-batches",
      str("message-batches"),
      DEFAULTS.messageBatches,
    ),
    totalData: str("total-data") ? parseSize(str("total-data")!) : 0,
    rateLimit: str("rate-limit") ? parseSize(str("rate-limit")!) : 0,
    warmupSeconds: str("warmup-time") ? parseDuration(str("warmup-time")!) : 0,
    samplingSeconds: str("sampling-time")
      ? parseDuration(str("sampling-time")!)
      : DEFAULTS.samplingSeconds,
    movingAverageWindow: count(
      "moving-average-window",
      str("moving-average-window"),
      DEFAULTS.movingAverageWindow,
      1,
    ),
    highLevelApi: flag("high-level-api"),
    reuseStreams: flag("reuse-streams"),
    pretty: flag("pretty"),
    maxTopicSize: str("max-topic-size") ? parseSize(str("max-topic-size")!) : 0,
    messageExpiryMicros: expiry === undefined || expiry === "none"
      ? 0
      : Math.round(parseDuration(expiry) * 1e6),
    readAmplification: Number(
      str("read-amplification") ?? DEFAULTS.readAmplification,
    ),
    nodelay: flag("nodelay"),
    output: str("output") ?? str("output-dir") ??
      (output ? "performance_results" : undefined),
    identity: {
      identifier: str("identifier") ?? hostName(),
      remark: str("remark"),
      extraInfo: str("extra-info"),
      gitref: str("gitref"),
      gitrefDate: str("gitref-date"),
    },
    openCharts: flag("open-charts"),
    quiet: flag("quiet"),
    keepData: flag("keep-data"),
    rounds: count("rounds", str("rounds"), DEFAULTS.rounds, 1),
  };
  if (mode === "cluster") {
    applyClusterOptions(options, values);
  } else {
    const misplaced = CLUSTER_ONLY.find((name) => values.has(name));
    if (misplaced !== undefined) {
      throw new TypeError(`--${misplaced} is an option of the cluster mode`);
    }
  }
  if (options.messagesPerBatch < 1) {
    throw new TypeError("--messages-per-batch must be at least 1");
  }
  if (options.samplingSeconds <= 0) {
    throw new TypeError("--sampling-time must be more than 0");
  }
  if (!(options.readAmplification > 0)) {
    throw new TypeError(
      `--read-amplification must be a number above 0: "${
        str("read-amplification")
      }"`,
    );
  }
  return { kind: "run", options };
}

/** Parses `host:port` (IPv6 in brackets) for `--connect`. */
function address(text: string): string {
  const at = text.lastIndexOf(":");
  const port = Number(text.slice(at + 1));
  if (
    at < 1 || !/^\d+$/.test(text.slice(at + 1)) || port < 1 || port > 65535
  ) {
    throw new TypeError(
      `--connect takes host:port[,host:port...]: "${text}"`,
    );
  }
  return text;
}

/** Parses `--replication 1,2,3`: distinct positive factors. */
function factors(text: string): number[] {
  const out = text.split(",").map((part) =>
    count("replication", part.trim(), 0, 1)
  );
  if (new Set(out).size !== out.length) {
    throw new TypeError(`--replication names a factor twice: "${text}"`);
  }
  return out;
}

/**
 * Fills `options.cluster` and the cluster mode's workload defaults (those not given), and refuses
 * what the mode cannot do.
 */
function applyClusterOptions(
  options: BenchOptions,
  values: Map<string, string | true>,
): void {
  const str = (name: string): string | undefined => {
    const value = values.get(name);
    return typeof value === "string" ? value : undefined;
  };
  for (const name of ["start-server", "server-address", "tls"]) {
    if (values.has(name)) {
      throw new TypeError(
        `--${name} does not apply to the cluster mode: it starts its nodes (--nodes) or uses --connect`,
      );
    }
  }
  if (options.transport !== "tcp") {
    throw new TypeError(
      `The cluster mode runs over tcp, not ${options.transport}`,
    );
  }
  const connect = str("connect");
  if (connect !== undefined && values.has("nodes")) {
    throw new TypeError(
      "Give --nodes (start a cluster) or --connect, not both",
    );
  }
  const acks = str("acks");
  if (acks !== undefined) {
    if (connect !== undefined) {
      throw new TypeError(
        "--acks applies only to the nodes the bench starts (set cluster.replication.acks on the running cluster)",
      );
    }
    if (!(ACKS_MODES as readonly string[]).includes(acks)) {
      throw new TypeError(
        `--acks must be one of ${ACKS_MODES.join(", ")}: "${acks}"`,
      );
    }
  }
  const cluster: ClusterOptions = {
    nodes: count("nodes", str("nodes"), CLUSTER_DEFAULTS.nodes, 1),
    connect: connect === undefined
      ? []
      : connect.split(",").map((part) => address(part.trim())),
    latencySends: count(
      "latency-sends",
      str("latency-sends"),
      CLUSTER_DEFAULTS.latencySends,
      1,
    ),
  };
  const replication = str("replication");
  if (replication !== undefined) {
    cluster.replication = factors(replication);
    const above = cluster.replication.find((r) => r > cluster.nodes);
    if (connect === undefined && above !== undefined) {
      throw new TypeError(
        `--replication ${above} needs at least ${above} nodes (--nodes ${cluster.nodes})`,
      );
    }
  }
  if (acks !== undefined) cluster.acks = acks as ClusterOptions["acks"];
  options.cluster = cluster;
  // The workload: -a, -b, -P, -m (or the former names), else the cluster mode's defaults.
  options.partitions = count(
    "partitions",
    str("partitions"),
    CLUSTER_DEFAULTS.partitions,
    1,
  );
  const batches = str("message-batches") ?? str("batches");
  options.messageBatches = count(
    "message-batches",
    batches,
    CLUSTER_DEFAULTS.messageBatches,
    1,
  );
  options.messagesPerBatch = count(
    "messages-per-batch",
    str("messages-per-batch") ?? str("batch"),
    CLUSTER_DEFAULTS.messagesPerBatch,
    1,
  );
  const size = str("size");
  if (str("message-size") === undefined) {
    const bytes = size === undefined
      ? CLUSTER_DEFAULTS.messageSize
      : parseSize(size);
    if (bytes < 1) throw new TypeError(`--size must be at least 1: "${size}"`);
    options.messageSize = { min: bytes, max: bytes };
  } else if (options.messageSize.min !== options.messageSize.max) {
    throw new TypeError(
      "The cluster mode sends messages of one size: give -m a single size",
    );
  }
}

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}
