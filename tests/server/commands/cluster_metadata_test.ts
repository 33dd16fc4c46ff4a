/**
 * GetClusterMetadata (12) against raw frames on the real server: `[cluster]` settings, `--follower`,
 * and configured ports for listeners that are not bound (binary.md §4.14, config.md §4.8).
 * The official Node SDK's e2e suite runs with `IGGY_CLUSTER_ENABLED=true` and expects the peers.
 */
import assert from "node:assert/strict";
import { CommandCode } from "../../../client/protocol/mod.ts";
import { startServer } from "../../_server.ts";
import { RawClient } from "../_raw_client.ts";

const text = new TextEncoder();

function name(value: string): Uint8Array {
  const bytes = text.encode(value);
  return Uint8Array.of(bytes.length, ...bytes);
}

/** LoginUser iggy/iggy with empty version and context. */
const LOGIN_IGGY = Uint8Array.of(
  ...name("iggy"),
  ...name("iggy"),
  ...new Uint8Array(8),
);

interface Node {
  name: string;
  ip: string;
  ports: [tcp: number, quic: number, http: number, websocket: number];
  role: number;
  status: number;
}

/** Decodes the §4.14 layout by hand: Str32 name, u32 count, per node Str32 ×2, u16 ×4, u8 ×2. */
function decodeMetadata(bytes: Uint8Array): { name: string; nodes: Node[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let at = 0;
  const str32 = (): string => {
    const length = view.getUint32(at, true);
    const value = decoder.decode(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    return value;
  };
  const u16 = (): number => {
    at += 2;
    return view.getUint16(at - 2, true);
  };
  const clusterName = str32();
  const count = view.getUint32(at, true);
  at += 4;
  const nodes: Node[] = [];
  for (let i = 0; i < count; i++) {
    const nodeName = str32();
    const ip = str32();
    const ports: Node["ports"] = [u16(), u16(), u16(), u16()];
    const role = bytes[at]!;
    const status = bytes[at + 1]!;
    at += 2;
    nodes.push({ name: nodeName, ip, ports, role, status });
  }
  assert.equal(at, bytes.length, "no trailing bytes");
  return { name: clusterName, nodes };
}

async function metadata(
  port: number,
): Promise<{ name: string; nodes: Node[] }> {
  const client = await RawClient.connect(port);
  try {
    assert.equal(
      (await client.request(CommandCode.LoginUser, LOGIN_IGGY)).status,
      0,
    );
    const answer = await client.request(CommandCode.GetClusterMetadata);
    assert.equal(answer.status, 0);
    return decodeMetadata(answer.payload);
  } finally {
    client.close();
  }
}

/** HTTP off on a configured port: the metadata must report that port, not 0. */
const HTTP_OFF = {
  IGGY_HTTP_ENABLED: "false",
  IGGY_HTTP_ADDRESS: "127.0.0.1:3999",
};

/** The default peer plus one without an HTTP port, in a config file; the cluster switched on as CI does. */
async function clusterEnv(): Promise<
  { env: Record<string, string> } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "iggy_cluster_test_" });
  await Deno.writeTextFile(
    `${dir}/server.toml`,
    `[[cluster.node.others]]
name = "iggy-node-2"
ip = "127.0.0.1"
ports = { tcp = 8091, quic = 8081, http = 3001, websocket = 8093 }

[[cluster.node.others]]
name = "iggy-node-3"
ip = "10.0.0.3"
ports = { tcp = 9000, quic = 9001, websocket = 9003 }
`,
  );
  return {
    env: {
      ...HTTP_OFF,
      IGGY_CONFIG_PATH: `${dir}/server.toml`,
      IGGY_CLUSTER_ENABLED: "true",
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("getClusterMetadata() reports the enabled [cluster]: names, bound ports, peers as followers", async () => {
  await using cluster = await clusterEnv();
  await using server = await startServer({ env: cluster.env });
  assert.ok(server.quic && server.websocket);
  assert.deepEqual(await metadata(server.tcp.port), {
    name: "iggy-cluster",
    nodes: [
      {
        name: "iggy-node-1",
        ip: "127.0.0.1",
        ports: [server.tcp.port, server.quic.port, 3999, server.websocket.port],
        role: 0,
        status: 0,
      },
      {
        name: "iggy-node-2",
        ip: "127.0.0.1",
        ports: [8091, 8081, 3001, 8093],
        role: 1,
        status: 0,
      },
      // The missing HTTP port is the current node's configured one.
      {
        name: "iggy-node-3",
        ip: "10.0.0.3",
        ports: [9000, 9001, 3999, 9003],
        role: 1,
        status: 0,
      },
    ],
  });
});

Deno.test("getClusterMetadata() with --follower reports this node a follower and its peers leaders", async () => {
  await using cluster = await clusterEnv();
  await using server = await startServer({
    env: cluster.env,
    args: ["--follower"],
  });
  const nodes = (await metadata(server.tcp.port)).nodes;
  assert.deepEqual(
    nodes.map((n) => [n.name, n.role]),
    [["iggy-node-1", 1], ["iggy-node-2", 0], ["iggy-node-3", 0]],
  );
});

Deno.test("getClusterMetadata() without [cluster] is one single-node leader, unbound listeners at their configured port", async () => {
  await using server = await startServer({
    env: HTTP_OFF,
    args: ["--follower"],
  });
  assert.ok(server.quic && server.websocket);
  assert.deepEqual(await metadata(server.tcp.port), {
    name: "single-node",
    nodes: [{
      name: "iggy-node",
      ip: "127.0.0.1",
      ports: [server.tcp.port, server.quic.port, 3999, server.websocket.port],
      role: 0,
      status: 0,
    }],
  });
});
