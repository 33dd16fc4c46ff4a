/**
 * GetSnapshot (binary.md §5, http.md §6.11): a ZIP archive of diagnostic text files — the data
 * directory's file listing, the process list, resource usage, the server's log files and its
 * effective configuration (secrets masked). Stored or deflated entries (`fflate`); the other
 * compressions of 0.8.0 (bzip2, zstd, lzma, xz) answer FeatureUnavailable (5).
 * @module
 */

import { zip, type Zippable } from "fflate";
import os from "node:os";
import process from "node:process";
import { ErrorCode, IggyError } from "../client/protocol/errors.ts";
import {
  SnapshotCompression,
  SnapshotType,
} from "../client/protocol/primitives.ts";
import type { GetSnapshot } from "../client/protocol/commands/system.ts";

/** Where the diagnostics come from. */
export interface SnapshotSources {
  /** The data directory (`system.path`), listed by `filesystem_overview`. */
  dataDir: string;
  /** The log directory; every file in it goes into `server_logs`. */
  logDir: string;
  /** The effective configuration, secrets masked (`server_config`). */
  config: string;
}

/** Most bytes one log file contributes (its tail), so a snapshot stays small. */
const MAX_LOG_BYTES = 8 * 1024 * 1024;
/** Most entries of the file listing. */
const MAX_LISTED_FILES = 100_000;

const encoder = new TextEncoder();

/**
 * Builds the snapshot's ZIP archive.
 * @param request The requested compression and types (`All` = every type).
 * @param sources The data and log directories and the configuration text.
 * @returns The archive's bytes.
 * @throws {IggyError} 5 for a compression other than stored or deflated.
 */
export async function buildSnapshot(
  request: GetSnapshot,
  sources: SnapshotSources,
): Promise<Uint8Array> {
  const level = request.compression === SnapshotCompression.Stored
    ? 0
    : request.compression === SnapshotCompression.Deflated
    ? 6
    : undefined;
  if (level === undefined) {
    throw new IggyError(
      ErrorCode.FeatureUnavailable,
      "snapshot compression: only stored and deflated are supported",
    );
  }
  const types = new Set(
    request.types.includes(SnapshotType.All)
      ? [1, 2, 3, 4, 5, 6] as SnapshotType[]
      : request.types,
  );
  const files: Zippable = {};
  const text = (name: string, body: string) => {
    files[name] = [encoder.encode(body), { level }];
  };
  if (types.has(SnapshotType.FilesystemOverview)) {
    text("filesystem_overview.txt", await listFiles(sources.dataDir));
  }
  if (types.has(SnapshotType.ProcessList)) {
    text("process_list.txt", await processList());
  }
  if (types.has(SnapshotType.ResourceUsage)) {
    text("resource_usage.txt", resourceUsage());
  }
  if (types.has(SnapshotType.Test)) text("test.txt", "test\n");
  if (types.has(SnapshotType.ServerLogs)) {
    for (const [name, bytes] of await logFiles(sources.logDir)) {
      files[`logs/${name}`] = [bytes, { level }];
    }
  }
  if (types.has(SnapshotType.ServerConfig)) {
    text("server_config.json", sources.config);
  }
  return await new Promise<Uint8Array>((resolve, reject) =>
    zip(files, (err, data) => err ? reject(err) : resolve(data))
  );
}

/** `path size modified` of every file under `root`, one per line. */
async function listFiles(root: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (err) {
      lines.push(`${dir}: ${(err as Error).message}`);
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (lines.length >= MAX_LISTED_FILES) return;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) {
        lines.push(`${path}/`);
        await walk(path);
      } else {
        const info = await Deno.stat(path).catch(() => undefined);
        lines.push(
          `${path} ${info?.size ?? "?"} ${info?.mtime?.toISOString() ?? ""}`,
        );
      }
    }
  };
  await walk(root);
  return lines.join("\n") + "\n";
}

/** `ps` output where there is one, else this process alone. */
async function processList(): Promise<string> {
  try {
    const out = await new Deno.Command("ps", {
      args: ["-eo", "pid,ppid,rss,pcpu,etime,args"],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    if (out.success) return new TextDecoder().decode(out.stdout);
  } catch {
    // No ps on this system (e.g. a minimal container image).
  }
  return `pid ${Deno.pid}: ${Deno.execPath()} ${Deno.args.join(" ")}\n`;
}

function resourceUsage(): string {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const lines = [
    `hostname: ${os.hostname()}`,
    `os: ${os.type()} ${os.release()} ${os.arch()}`,
    `cpus: ${os.cpus().length}`,
    `load_average: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`,
    `total_memory_bytes: ${os.totalmem()}`,
    `free_memory_bytes: ${os.freemem()}`,
    `process_rss_bytes: ${memory.rss}`,
    `process_heap_used_bytes: ${memory.heapUsed}`,
    `process_heap_total_bytes: ${memory.heapTotal}`,
    `process_external_bytes: ${memory.external}`,
    `process_cpu_user_microseconds: ${cpu.user}`,
    `process_cpu_system_microseconds: ${cpu.system}`,
    `process_uptime_seconds: ${process.uptime().toFixed(3)}`,
    `deno: ${Deno.version.deno} v8 ${Deno.version.v8}`,
  ];
  return lines.join("\n") + "\n";
}

/** The log directory's files (the last {@linkcode MAX_LOG_BYTES} of each). */
async function logFiles(dir: string): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return out;
  }
  for (const entry of entries.filter((e) => e.isFile)) {
    try {
      using file = await Deno.open(`${dir}/${entry.name}`);
      const { size } = await file.stat();
      const start = Math.max(0, size - MAX_LOG_BYTES);
      await file.seek(start, Deno.SeekMode.Start);
      const bytes = new Uint8Array(size - start);
      let read = 0;
      while (read < bytes.length) {
        const n = await file.read(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      out.push([entry.name, bytes.subarray(0, read)]);
    } catch {
      // A file rotated away while we read: leave it out.
    }
  }
  return out;
}
