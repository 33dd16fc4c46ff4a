/**
 * The client suite through a cluster node that leads no partition, over TCP and over HTTP: every
 * send, poll and offset command is forwarded to the other node, every metadata change goes
 * through etcd.
 */
import { IggyClient } from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { clientSuite } from "../e2e/_client_suite.ts";
import { ETCD_BIN, startEtcd, type TestEtcd } from "./_etcd.ts";
import { nodeEnv } from "./_cluster.ts";

/** The router node; disposing of it stops the leader node and etcd too. */
async function startRouterNode(): Promise<TestServer> {
  const etcd: TestEtcd = await startEtcd();
  const leader = await startServer({
    env: nodeEnv(etcd.endpoint, "suite", "leader"),
  });
  const router = await startServer({
    env: {
      ...nodeEnv(etcd.endpoint, "suite", "router"),
      IGGY_CLUSTER_NODE_CURRENT_LEAD_PARTITIONS: "false",
    },
  });
  const dispose = router[Symbol.asyncDispose].bind(router);
  router[Symbol.asyncDispose] = async () => {
    await dispose();
    await leader[Symbol.asyncDispose]();
    await etcd[Symbol.asyncDispose]();
  };
  return router;
}

if (ETCD_BIN !== undefined) {
  clientSuite(
    "tcp to a cluster node that leads nothing",
    (server) =>
      IggyClient.connect({
        transport: "tcp",
        ...server.tcp,
        username: "iggy",
        password: "iggy",
      }),
    { start: startRouterNode },
  );
  clientSuite(
    "http to a cluster node that leads nothing",
    (server) =>
      IggyClient.connect({
        transport: "http",
        ...server.http!,
        username: "iggy",
        password: "iggy",
      }),
    { start: startRouterNode, sessionless: true },
  );
}
