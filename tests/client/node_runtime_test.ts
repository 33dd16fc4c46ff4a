/**
 * The SDK under Node: bundles `mod.ts` with `deno bundle --platform node` (npm dependencies such as
 * lossless-json inlined), writes a small script beside the bundle and runs it with `node` against a
 * real server: TCP (with `node:net`), TLS (with `node:tls`), HTTP, and QUIC's refusal. The script
 * prints one JSON line that the tests assert. Skips when `node` is not on PATH.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "../_server.ts";
import { generateTestCertificate } from "../e2e/_certs.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `node --version`, or undefined when `node` is not on PATH. */
async function nodeVersion(): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("node", {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

const version = await nodeVersion();
if (version === undefined) {
  console.warn("Skipping the Node runtime tests: `node` is not on PATH");
}

/**
 * The script Node runs: `node run.mjs '<json config>'`. Everything it checks goes into the JSON it
 * prints; a failure prints `{ "error": ... }` and exits 1.
 */
const SCRIPT = `
import net from "node:net";
import {
  connect,
  ConnectionError,
  PollingStrategy,
} from "./iggy.mjs";

setTimeout(() => {
  console.error("node script timed out");
  process.exit(2);
}, 60_000).unref();

// Count the writes that reported back-pressure (false): the transport must wait for 'drain' and go on.
let backPressure = 0;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...args) {
  const ok = write.apply(this, args);
  if (!ok) backPressure++;
  return ok;
};

const config = JSON.parse(process.argv[2]);
const login = { username: "iggy", password: "iggy" };
const result = { runtime: typeof Deno === "undefined" ? "node" : "deno", node: process.version };

async function sendAndPoll(client, stream, batches, size) {
  await client.createStream(stream);
  await client.createTopic(stream, "t", { partitionsCount: 1 });
  const filler = "x".repeat(size);
  const sends = [];
  for (let b = 0; b < batches; b++) {
    const messages = Array.from({ length: 100 }, (_, i) => ({
      payload: "m-" + (b * 100 + i) + "-" + filler,
    }));
    sends.push(client.sendMessages({ streamId: stream, topicId: "t", messages }));
  }
  await Promise.all(sends);
  // Pipelined polls: all answers arrive on the one connection in order.
  const polls = [];
  for (let b = 0; b < batches; b++) {
    polls.push(client.pollMessages({
      streamId: stream,
      topicId: "t",
      partitionId: 0,
      strategy: PollingStrategy.offset(BigInt(b * 100)),
      count: 100,
    }));
  }
  const decoder = new TextDecoder();
  let count = 0;
  let mismatches = 0;
  for (const polled of await Promise.all(polls)) {
    for (const m of polled.messages) {
      const expected = "m-" + Number(m.offset) + "-" + filler;
      if (decoder.decode(m.payload) !== expected) mismatches++;
      count++;
    }
  }
  return { count, mismatches };
}

try {
  if (config.tcp) {
    const client = await connect({ ...config.tcp, ...login });
    await client.ping();
    result.tcp = await sendAndPoll(client, "node-tcp", 200, 1024);
    result.backPressure = backPressure;
    const stream = await client.getStream("node-tcp");
    result.tcp.messagesCount = Number(stream.messagesCount);
    await client.close();
    result.tcp.closed = true;
    // A string connects too.
    const byString = await connect(
      "iggy://iggy:iggy@" + config.tcp.hostname + ":" + config.tcp.port,
    );
    result.tcp.me = (await byString.getMe()).clientId > 0;
    await byString.close();
  }
  if (config.refused) {
    try {
      await connect({ ...config.refused, ...login });
      result.refused = "connected";
    } catch (err) {
      result.refused = { connectionError: err instanceof ConnectionError, message: err.message };
    }
  }
  if (config.http) {
    const client = await connect({ transport: "http", ...config.http, ...login });
    result.http = await sendAndPoll(client, "node-http", 3, 16);
    await client.close();
  }
  if (config.quic) {
    try {
      await connect({ transport: "quic", ...config.quic, ...login });
      result.quic = "connected";
    } catch (err) {
      result.quic = { connectionError: err instanceof ConnectionError, message: err.message };
    }
  }
  if (config.websocket) {
    try {
      const client = await connect({ transport: "websocket", ...config.websocket, ...login });
      await client.ping();
      await client.close();
      result.websocket = "connected";
    } catch (err) {
      result.websocket = { connectionError: err instanceof ConnectionError, message: err.message };
    }
  }
  if (config.tls) {
    const client = await connect({ ...config.tls.address, tls: config.tls.options, ...login });
    result.tls = await sendAndPoll(client, "node-tls", 50, 1024);
    await client.close();
    // Verification is on: without the CA the self-signed certificate is refused.
    try {
      await connect({ ...config.tls.address, tls: { hostname: "localhost" }, ...login });
      result.tls.untrusted = "connected";
    } catch (err) {
      result.tls.untrusted = { connectionError: err instanceof ConnectionError, message: err.message };
    }
    // The certificate also names 127.0.0.1: verified against the IP address, no SNI.
    const byIp = await connect(
      "iggy+tls://iggy:iggy@127.0.0.1:" + config.tls.address.port,
    ).catch((err) => err);
    result.tls.byIpWithoutCa = byIp instanceof ConnectionError;
    const ip = await connect({
      ...config.tls.address,
      tls: { caCerts: config.tls.options.caCerts },
      ...login,
    });
    await ip.ping();
    await ip.close();
    result.tls.byIp = true;
  }
  console.log(JSON.stringify(result));
} catch (err) {
  console.log(JSON.stringify({ error: String(err?.stack ?? err) }));
  process.exit(1);
}
`;

let bundleDir: Promise<string> | undefined;

/** Bundles the SDK for Node into a temp directory once per file, with the script beside it. */
function bundle(): Promise<string> {
  bundleDir ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "iggy_node_test_" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // already gone
      }
    });
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "node", "-o", `${dir}/iggy.mjs`, "mod.ts"],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    await Deno.writeTextFile(`${dir}/run.mjs`, SCRIPT);
    return dir;
  })();
  return bundleDir;
}

/** Runs the script under Node with `config` and returns the JSON it printed. */
async function runNode(
  config: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const dir = await bundle();
  const { code, stdout, stderr } = await new Deno.Command("node", {
    args: ["run.mjs", JSON.stringify(config)],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `node exited with ${code}:\n${out}\n${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

/** An address nothing listens on: a port bound and released. */
function closedPort(): { hostname: string; port: number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return { hostname: "127.0.0.1", port };
}

function httpOf(server: TestServer): { hostname: string; port: number } {
  assert.ok(server.http, "the server has an HTTP listener");
  return server.http;
}

Deno.test({
  name:
    "TcpTransport under Node sends and polls over node:net; HTTP works; QUIC is refused",
  ignore: version === undefined,
  async fn() {
    await bundle();
    await using server = await startServer();
    const result = await runNode({
      tcp: server.tcp,
      refused: closedPort(),
      http: httpOf(server),
      quic: server.quic ?? { hostname: "127.0.0.1", port: 8080 },
      websocket: server.websocket,
    });
    assert.equal(result.runtime, "node");
    assert.equal(result.node, version);
    assert.deepEqual(result.tcp, {
      count: 20_000,
      mismatches: 0,
      messagesCount: 20_000,
      closed: true,
      me: true,
    });
    // 200 pipelined batches of ~100 KiB fill the socket's buffer: back-pressure was met and waited out.
    assert.ok(
      (result.backPressure as number) > 0,
      `no write reported back-pressure: ${result.backPressure}`,
    );
    const refused = result.refused as Record<string, unknown>;
    assert.equal(refused.connectionError, true);
    assert.match(String(refused.message), /Cannot connect to "127\.0\.0\.1:/);
    assert.deepEqual(result.http, { count: 300, mismatches: 0 });
    const quic = result.quic as Record<string, unknown>;
    assert.equal(quic.connectionError, true);
    assert.match(String(quic.message), /QUIC is supported in Deno only/);
    // Node 22 has a global WebSocket; Node 20 has none and is told so.
    if (Number(/^v(\d+)/.exec(version!)![1]) >= 22) {
      assert.equal(result.websocket, "connected");
    } else {
      const websocket = result.websocket as Record<string, unknown>;
      assert.equal(websocket.connectionError, true);
      assert.match(String(websocket.message), /no global WebSocket/);
    }
  },
});

Deno.test({
  name:
    "TcpTransport under Node speaks TLS over node:tls, verifying the certificate",
  ignore: version === undefined,
  async fn() {
    await bundle();
    const certificate = await generateTestCertificate();
    await using server = await startServer({
      env: {
        IGGY_TCP_TLS_ENABLED: "true",
        IGGY_TCP_TLS_CERT_FILE: certificate.certFile,
        IGGY_TCP_TLS_KEY_FILE: certificate.keyFile,
      },
    });
    const result = await runNode({
      tls: {
        address: server.tcp,
        options: { caCerts: [certificate.cert], hostname: "localhost" },
      },
    });
    const tls = result.tls as Record<string, unknown>;
    assert.equal(tls.count, 5_000);
    assert.equal(tls.mismatches, 0);
    const untrusted = tls.untrusted as Record<string, unknown>;
    assert.equal(untrusted.connectionError, true);
    assert.match(String(untrusted.message), /certificate/i);
    assert.equal(tls.byIpWithoutCa, true);
    assert.equal(tls.byIp, true);
  },
});
