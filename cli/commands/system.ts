/**
 * `iggy ping`, `iggy me`, `iggy stats` and `iggy client|c get|list`.
 * @module
 */

import type { Command } from "commander";
import { ClientTransport } from "../../mod.ts";
import { type App, handle, leaf, notFound, parseU32 } from "../_app.ts";
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
        if (out.mode !== "json") out.line(`Ping time: ${ms.toFixed(3)} ms`);
      }
    }, { login: false });
    if (out.mode === "json") out.json({ pings: times });
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
  });
  handle(app, stats, async ({ out, command }) => {
    const value = await app.withClient(command, (client) => client.getStats());
    out.details(STATS_COLUMNS, value as unknown as Record<string, unknown>);
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
