/**
 * The `cluster` mode's own cluster (`--nodes N`): an etcd (`/usr/bin/etcd`, Debian's
 * `etcd-server`, started as the cluster tests start it) and N nodes with partition replication on,
 * each a child process on a temp data directory and free ports.
 * @module
 */

import { connect, type IggyClient } from "../mod.ts";
import { ETCD_BIN, startEtcd } from "../tests/cluster/_etcd.ts";
import { type BenchServer, startBenchServer } from "./server.ts";

/** What the bench prints when `--nodes` needs etcd and it is not installed. */
export const ETCD_MISSING =
  "etcd is not installed (looked for /usr/bin/etcd and /usr/local/bin/etcd; Debian: apt-get install etcd-server): install it, or point the bench at a running cluster with --connect host:port";

/** True when the etcd binary the bench starts is installed. */
export function etcdInstalled(): boolean {
  return ETCD_BIN !== undefined;
}

const JOIN_DEADLINE_MS = 30_000;

/** A cluster the bench started. */
export interface BenchCluster {
  /** Each node's bound TCP `host:port`, in start order (`n1`, `n2`, …). */
  addresses: string[];
  /** The nodes' and etcd's output so far (for an error report). */
  log(): string;
  /** Stops the nodes, then etcd, and removes their data (the nodes' unless kept). */
  stop(): Promise<void>;
}

/** Environment of node `name` of the bench's cluster on `etcd`. */
function nodeEnv(
  etcd: string,
  name: string,
  acks: string | undefined,
): Record<string, string> {
  return {
    IGGY_SYSTEM_LOGGING_LEVEL: "warn",
    // The bench speaks TCP only; fewer listeners start faster.
    IGGY_QUIC_ENABLED: "false",
    IGGY_HTTP_ENABLED: "false",
    IGGY_WEBSOCKET_ENABLED: "false",
    IGGY_CLUSTER_ENABLED: "true",
    IGGY_CLUSTER_NAME: "bench",
    IGGY_CLUSTER_ETCD_ENDPOINTS: etcd,
    IGGY_CLUSTER_NODE_CURRENT_NAME: name,
    IGGY_CLUSTER_NODE_CURRENT_IP: "127.0.0.1",
    IGGY_CLUSTER_SECRET: "bench-cluster-secret-0123",
    IGGY_CLUSTER_REPLICATION_ENABLED: "true",
    ...(acks === undefined ? {} : { IGGY_CLUSTER_REPLICATION_ACKS: acks }),
  };
}

/**
 * Starts etcd and `nodes` nodes (`n1`, `n2`, … one after the other), and waits until the first
 * node's cluster metadata lists them all.
 * @param options `nodes`; `acks` sets `cluster.replication.acks`; `keepData` keeps the nodes'
 * data directories.
 * @returns The running cluster.
 * @throws {Error} When etcd or a node does not start, or the nodes do not all join within 30 s.
 */
export async function startBenchCluster(
  options: { nodes: number; acks?: string; keepData?: boolean },
): Promise<BenchCluster> {
  const etcd = await startEtcd();
  const servers: BenchServer[] = [];
  const log = () =>
    [
      ...servers.map((s, i) => `--- n${i + 1}\n${s.log()}`),
      `--- etcd\n${etcd.log().slice(-4096)}`,
    ].join("\n");
  const stop = async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await etcd[Symbol.asyncDispose]();
  };
  try {
    for (let i = 1; i <= options.nodes; i++) {
      servers.push(
        await startBenchServer({
          keepData: options.keepData,
          env: nodeEnv(etcd.endpoint, `n${i}`, options.acks),
        }),
      );
    }
    const addresses = servers.map((s) => s.addresses.tcp!);
    await waitForNodes(addresses[0]!, options.nodes);
    return { addresses, log, stop };
  } catch (err) {
    const text = log();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`, { cause: err });
  }
}

/** The login of every bench client. */
export interface Login {
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

/**
 * Connects to a node and logs in, without reconnecting.
 * @param address TCP `host:port` (IPv6 in brackets).
 * @param credentials The login.
 * @returns The logged-in client.
 */
export function login(
  address: string,
  credentials: Login,
): Promise<IggyClient> {
  const at = address.lastIndexOf(":");
  return connect({
    hostname: address.slice(0, at).replace(/^\[(.*)\]$/, "$1"),
    port: Number(address.slice(at + 1)),
    username: credentials.username,
    password: credentials.password,
    reconnect: false,
  });
}

/** Polls GetClusterMetadata on `address` until it lists `count` nodes. */
async function waitForNodes(address: string, count: number): Promise<void> {
  const client = await login(address, { username: "iggy", password: "iggy" });
  try {
    const deadline = Date.now() + JOIN_DEADLINE_MS;
    let seen = 0;
    while (Date.now() < deadline) {
      seen = (await client.getClusterMetadata()).nodes.length;
      if (seen >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `Only ${seen} of ${count} nodes joined the cluster within ${JOIN_DEADLINE_MS} ms`,
    );
  } finally {
    await client.close();
  }
}
