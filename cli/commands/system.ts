/**
 * `iggy ping`, `iggy me`, `iggy stats`, `iggy snapshot`, `iggy cluster|cl metadata|m` and
 * `iggy client|c get|list`.
 * @module
 */

import type { Command } from "commander";
import {
  ClientTransport,
  ClusterNodeRole,
  ClusterNodeStatus,
  ErrorCode,
  IggyError,
  SnapshotCompression,
  SnapshotType,
} from "../../mod.ts";
import { type App, handle, leaf, notFound, parseU32 } from "../_app.ts";
import { UsageError } from "../_errors.ts";
import {
  type Column,
  formatBytes,
  formatDuration,
  formatTimestamp,
} from "../_output.ts";

const TRANSPORT_NAMES: Readonly<Record<number, string>> = {
  [ClientTransport.Tcp]: "TCP",
  [ClientTransport.Quic]: "QUIC",
  [ClientTransport.Http]: "HTTP",
  [ClientTransport.WebSocket]: "WebSocket",
};

/** Columns of a client row. */
export const CLIENT_COLUMNS: Column[] = [
  { key: "clientId", header: "Client ID" },
  { key: "userId", header: "User ID" },
  { key: "address", header: "Address" },
  {
    key: "transport",
    header: "Transport",
    format: (v) => TRANSPORT_NAMES[v as number] ?? String(v),
  },
  { key: "consumerGroupsCount", header: "Consumer Groups" },
];

const STATS_COLUMNS: Column[] = [
  { key: "iggyServerVersion", header: "Server Version" },
  { key: "processId", header: "Process ID" },
  {
    key: "cpuUsage",
    header: "CPU Usage (%)",
    format: (v) => (v as number).toFixed(2),
  },
  {
    key: "totalCpuUsage",
    header: "Total CPU Usage (%)",
    format: (v) => (v as number).toFixed(2),
  },
  { key: "memoryUsage", header: "Memory Usage", format: formatBytes },
  { key: "totalMemory", header: "Total Memory", format: formatBytes },
  { key: "availableMemory", header: "Available Memory", format: formatBytes },
  {
    key: "runTime",
    header: "Run Time",
    format: (v) => formatDuration(v as bigint),
  },
  { key: "startTime", header: "Start Time", format: formatTimestamp },
  { key: "readBytes", header: "Read Bytes", format: formatBytes },
  { key: "writtenBytes", header: "Written Bytes", format: formatBytes },
  { key: "messagesSizeBytes", header: "Messages Size", format: formatBytes },
  { key: "streamsCount", header: "Streams" },
  { key: "topicsCount", header: "Topics" },
  { key: "partitionsCount", header: "Partitions" },
  { key: "segmentsCount", header: "Segments" },
  { key: "messagesCount", header: "Messages" },
  { key: "clientsCount", header: "Clients" },
  { key: "consumerGroupsCount", header: "Consumer Groups" },
  { key: "threadsCount", header: "Threads" },
  { key: "freeDiskSpace", header: "Free Disk Space", format: formatBytes },
  { key: "totalDiskSpace", header: "Total Disk Space", format: formatBytes },
  { key: "hostname", header: "Hostname" },
  { key: "osName", header: "OS Name" },
  { key: "osVersion", header: "OS Version" },
  { key: "kernelVersion", header: "Kernel Version" },
];

/** Snapshot compressions by their CLI names (Iggy's, lower case; `none` = `stored`). */
const SNAPSHOT_COMPRESSIONS: Readonly<Record<string, SnapshotCompression>> = {
  stored: SnapshotCompression.Stored,
  none: SnapshotCompression.Stored,
  deflated: SnapshotCompression.Deflated,
  bzip2: SnapshotCompression.Bzip2,
  zstd: SnapshotCompression.Zstd,
  lzma: SnapshotCompression.Lzma,
  xz: SnapshotCompression.Xz,
};

/** Snapshot types by their CLI names. */
const SNAPSHOT_TYPES: Readonly<Record<string, SnapshotType>> = {
  filesystem_overview: SnapshotType.FilesystemOverview,
  process_list: SnapshotType.ProcessList,
  resource_usage: SnapshotType.ResourceUsage,
  test: SnapshotType.Test,
  server_logs: SnapshotType.ServerLogs,
  server_config: SnapshotType.ServerConfig,
  all: SnapshotType.All,
};

/** The types a snapshot has when none are named (as Iggy's CLI). */
const DEFAULT_SNAPSHOT_TYPES = [
  SnapshotType.FilesystemOverview,
  SnapshotType.ProcessList,
  SnapshotType.ResourceUsage,
  SnapshotType.ServerLogs,
];

function snapshotCompression(name: string | undefined): SnapshotCompression {
  if (name === undefined) return SnapshotCompression.Deflated;
  const value = SNAPSHOT_COMPRESSIONS[name.toLowerCase()];
  if (value === undefined) {
    throw new UsageError(
      `Invalid compression "${name}": expected one of ${
        Object.keys(SNAPSHOT_COMPRESSIONS).join(", ")
      }`,
    );
  }
  return value;
}

function snapshotTypes(names: string[] | undefined): SnapshotType[] {
  if (names === undefined || names.length === 0) return DEFAULT_SNAPSHOT_TYPES;
  const types = names.flatMap((n) => n.split(/[\s,]+/)).filter((n) => n)
    .map((name) => {
      const value = SNAPSHOT_TYPES[name.toLowerCase()];
      if (value === undefined) {
        throw new UsageError(
          `Invalid snapshot type "${name}": expected one of ${
            Object.keys(SNAPSHOT_TYPES).join(", ")
          }`,
        );
      }
      return value;
    });
  if (types.length > 1 && types.includes(SnapshotType.All)) {
    throw new UsageError(`Snapshot type "all" must be the only one`);
  }
  return types;
}

/** `YYYYMMDD_HHMMSS`, local time (the file name Iggy's CLI writes). */
function fileStamp(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}_${
    two(d.getHours())
  }${two(d.getMinutes())}${two(d.getSeconds())}`;
}

const CLUSTER_NODE_COLUMNS: Column[] = [
  { key: "name", header: "Name" },
  { key: "ip", header: "IP" },
  { key: "tcpPort", header: "TCP" },
  { key: "quicPort", header: "QUIC" },
  { key: "httpPort", header: "HTTP" },
  { key: "websocketPort", header: "WebSocket" },
  {
    key: "role",
    header: "Role",
    format: (v) => enumName(ClusterNodeRole, v),
  },
  {
    key: "status",
    header: "Status",
    format: (v) => enumName(ClusterNodeStatus, v),
  },
];

function enumName(table: Record<string, unknown>, value: unknown): string {
  return Object.entries(table).find(([, v]) => v === value)?.[0] ??
    String(value);
}

/**
 * Registers the system and client commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerSystemCommands(program: Command, app: App): void {
  const ping = leaf(program, "ping", {
    description: "check that the server answers and how fast (no login)",
  }).option("-c, --count <n>", "number of pings", "1");
  handle(app, ping, async ({ opts, out, command }) => {
    const count = Math.max(1, parseU32(String(opts.count), "count"));
    const times: number[] = [];
    await app.withClient(command, async (client) => {
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        await client.ping();
        const ms = performance.now() - start;
        times.push(ms);
        if (!out.structured) out.line(`Ping time: ${ms.toFixed(3)} ms`);
      }
    }, { login: false });
    if (out.structured) out.json({ pings: times });
  });

  const me = leaf(program, "me", {
    description: "show this connection as the server sees it",
  });
  handle(app, me, async ({ out, command }) => {
    const details = await app.withClient(command, (client) => client.getMe());
    out.details(CLIENT_COLUMNS, details as unknown as Record<string, unknown>);
  });

  const stats = leaf(program, "stats", {
    description: "show the server's statistics",
    shortOutput: true,
  });
  handle(app, stats, async ({ out, command }) => {
    const value = await app.withClient(command, (client) => client.getStats());
    out.details(STATS_COLUMNS, value as unknown as Record<string, unknown>);
  });

  const snapshot = leaf(program, "snapshot", {
    description:
      "save a ZIP of the server's diagnostics (file listing, processes, resources, logs, config)",
  })
    .option(
      "-c, --compression <compression>",
      "stored (none), deflated, bzip2, zstd, lzma or xz (default: deflated)",
    )
    .option(
      "-s, --snapshot-types <types...>",
      "filesystem_overview process_list resource_usage test server_logs server_config, or all (default: the first three and server_logs)",
    )
    .option("-o, --out-dir <dir>", "directory to write the ZIP to", ".");
  handle(app, snapshot, async ({ opts, out, command }) => {
    const compression = snapshotCompression(
      opts.compression as string | undefined,
    );
    const types = snapshotTypes(opts.snapshotTypes as string[] | undefined);
    const zip = await app.withClient(
      command,
      (client) => client.getSnapshot({ compression, types }),
    ).catch((err) => {
      if (
        err instanceof IggyError && err.code === ErrorCode.FeatureUnavailable
      ) {
        throw new IggyError(
          ErrorCode.FeatureUnavailable,
          "the server does not offer this snapshot (iggy-ts servers compress with stored or deflated only)",
        );
      }
      throw err;
    });
    const path = `${String(opts.outDir)}/snapshot_${fileStamp(new Date())}.zip`;
    await Deno.writeFile(path, zip);
    out.details([
      { key: "path", header: "File Path" },
      { key: "size", header: "File Size (bytes)" },
    ], { path, size: zip.length });
  });

  const cluster = program.command("cluster").alias("cl").description(
    "cluster operations",
  );
  const metadata = leaf(cluster, "metadata", {
    alias: "m",
    description: "show the cluster's name and nodes",
  }).option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, metadata, async ({ out, command }) => {
    const meta = await app.withClient(
      command,
      (client) => client.getClusterMetadata(),
    );
    if (out.structured) {
      out.json(meta);
      return;
    }
    out.line(`Cluster: ${meta.name}`);
    out.rows(
      CLUSTER_NODE_COLUMNS,
      meta.nodes as unknown as Record<string, unknown>[],
    );
  });

  const clients = program.command("client").alias("c").description(
    "client (connection) operations",
  );
  const get = leaf(clients, "get", {
    alias: "g",
    description: "show a connected client",
  }).argument("<client_id>", "client id");
  handle(app, get, async ({ args, out, command }) => {
    const [id] = args as [string];
    const details = await app.withClient(
      command,
      (client) => client.getClient(parseU32(id, "client id")),
    );
    if (details === undefined) throw notFound("client", id);
    out.details(CLIENT_COLUMNS, details as unknown as Record<string, unknown>);
  });
  const list = leaf(clients, "list", {
    alias: "l",
    description: "list the connected clients",
  }).option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ out, command }) => {
    const all = await app.withClient(command, (client) => client.getClients());
    out.rows(CLIENT_COLUMNS, all as unknown as Record<string, unknown>[]);
  });
}
