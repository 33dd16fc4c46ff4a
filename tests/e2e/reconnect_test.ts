import assert from "node:assert/strict";
import {
  ClientTransport,
  type ConnectOptions,
  IggyClient,
  type TransportKind,
} from "../../mod.ts";
import {
  type ServerAddress,
  startServer,
  type TestServer,
} from "../_server.ts";
import { generateTestCertificate } from "./_certs.ts";

const certificate = await generateTestCertificate();
const env = {
  IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
  IGGY_QUIC_CERTIFICATE_CERT_FILE: certificate.certFile,
  IGGY_QUIC_CERTIFICATE_KEY_FILE: certificate.keyFile,
};

const TRANSPORT_CODES = {
  tcp: ClientTransport.Tcp,
  websocket: ClientTransport.WebSocket,
  quic: ClientTransport.Quic,
};
const RECONNECT = { retries: 50, delayMs: 20, maxDelayMs: 200 };

/** The listener of `transport` in the server's current run. */
function addressOf(
  server: TestServer,
  transport: TransportKind,
): ServerAddress {
  const address = {
    tcp: server.tcp,
    quic: server.quic,
    websocket: server.websocket,
    http: server.http,
  }[transport];
  assert.ok(address, `no ${transport} listener`);
  return address;
}

/** Connects a root client with reconnection on, at the address of the current run. */
function connectReconnecting(
  server: TestServer,
  transport: TransportKind,
): Promise<IggyClient> {
  const options: ConnectOptions = {
    transport,
    ...addressOf(server, transport),
    username: "iggy",
    password: "iggy",
    reconnect: RECONNECT,
    timeout: 5000,
  };
  if (transport === "quic") options.tls = { caCerts: [certificate.cert] };
  return IggyClient.connect(options);
}

/** Restarts the server and checks it listens where it listened before. */
async function restartInPlace(
  server: TestServer,
  transport: TransportKind,
): Promise<void> {
  const before = { ...addressOf(server, transport) };
  await server.restart();
  assert.deepEqual(
    addressOf(server, transport),
    before,
    "the restarted server reuses the port",
  );
}

for (const transport of ["tcp", "websocket", "quic"] as const) {
  Deno.test(`IggyClient over ${transport} with reconnect keeps working after the server restarts`, async () => {
    await using server = await startServer({ env });
    await using client = await connectReconnecting(server, transport);
    await client.createStream("before");
    await restartInPlace(server, transport);
    // getStreams() needs a session: it succeeds only when the login was replayed.
    const names = (await client.getStreams()).map((stream) => stream.name);
    assert.deepEqual(names, ["before"]);
    await client.createStream("after");
    assert.equal((await client.getMe()).transport, TRANSPORT_CODES[transport]);
    await restartInPlace(server, transport);
    assert.deepEqual(
      (await client.getStreams()).map((stream) => stream.name).sort(),
      ["after", "before"],
    );
    assert.equal(client.closed, false);
  });
}

Deno.test("IggyClient with ?reconnection_retries= keeps working after the server restarts", async () => {
  await using server = await startServer();
  const { hostname, port } = server.tcp;
  await using client = await IggyClient.connect(
    `iggy://iggy:iggy@${hostname}:${port}?reconnection_retries=50&reconnection_interval=20ms`,
  );
  await client.createStream("before");
  await restartInPlace(server, "tcp");
  const names = (await client.getStreams()).map((stream) => stream.name);
  assert.deepEqual(names, ["before"]);
});

Deno.test("IggyClient without reconnect stays closed after the server restarts", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.ping();
  await restartInPlace(server, "tcp");
  await assert.rejects(client.ping(), { name: "ConnectionError" });
});
