/**
 * Test harness: server nodes (real child processes, `tests/_server.ts`) joined to a real etcd.
 * @module
 */

import type { IggyClient } from "../../mod.ts";
import { connectRoot, startServer, type TestServer } from "../_server.ts";

/** The `cluster.secret` every test node shares. */
export const TEST_SECRET = "test-cluster-secret-0123456789";

/** Environment of a node `name` of cluster `cluster` on `etcd`, with a short lease. */
export function nodeEnv(
  etcd: string,
  cluster: string,
  name: string,
): Record<string, string> {
  return {
    IGGY_CLUSTER_ENABLED: "true",
    IGGY_CLUSTER_NAME: cluster,
    IGGY_CLUSTER_ETCD_ENDPOINTS: etcd,
    IGGY_CLUSTER_NODE_CURRENT_NAME: name,
    IGGY_CLUSTER_NODE_CURRENT_IP: "127.0.0.1",
    IGGY_CLUSTER_SECRET: TEST_SECRET,
    IGGY_CLUSTER_LEASE_TTL: "2s",
    IGGY_CLUSTER_ETCD_TIMEOUT: "1s",
    // Not needed here; fewer listeners start faster on a loaded machine.
    IGGY_QUIC_ENABLED: "false",
  };
}

/**
 * Starts nodes `names` of `cluster` one after the other (the first becomes the controller),
 * with `extra` added to each node's environment.
 */
export async function startNodes(
  etcd: string,
  cluster: string,
  names: string[],
  extra: Record<string, string> = {},
): Promise<TestServer[]> {
  const nodes: TestServer[] = [];
  for (const name of names) {
    nodes.push(
      await startServer({ env: { ...nodeEnv(etcd, cluster, name), ...extra } }),
    );
  }
  return nodes;
}

/** Polls `probe` until it returns a value (not `undefined`) or `ms` pass. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A root client of `server` over TCP that does not reconnect (nodes are killed on purpose). */
export function login(server: TestServer): Promise<IggyClient> {
  return connectRoot(server);
}
