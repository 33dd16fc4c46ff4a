import assert from "node:assert/strict";
import {
  ClientTransport,
  connect,
  type ConnectionStatus,
  type ConnectOptions,
  IggyClient,
  IggyConsumer,
  IggyProducer,
  type Logger,
  message,
  PollingStrategy,
} from "../../mod.ts";
import type { TransportKind } from "../../mod.ts";
import { waitFor } from "../_assert.ts";
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

Deno.test("IggyClient with reconnect: false stays closed after the server restarts", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
    reconnect: false,
  });
  await client.ping();
  await restartInPlace(server, "tcp");
  await assert.rejects(client.ping(), { name: "ConnectionError" });
});

/** The root connection string of the server's TCP listener, as the README writes it. */
function urlOf(server: TestServer): string {
  return `iggy://iggy:iggy@${server.tcp.hostname}:${server.tcp.port}`;
}

/** Every message of a topic, from offset 0 of each partition. */
async function readAll(
  client: IggyClient,
  streamId: string,
  topicId: string,
  partitions: number,
): Promise<Uint8Array[][]> {
  const out: Uint8Array[][] = [];
  for (let partitionId = 0; partitionId < partitions; partitionId++) {
    const payloads: Uint8Array[] = [];
    while (true) {
      const { messages } = await client.pollMessages({
        streamId,
        topicId,
        partitionId,
        strategy: PollingStrategy.offset(BigInt(payloads.length)),
        count: 1000,
        autoCommit: false,
      });
      if (messages.length === 0) break;
      payloads.push(...messages.map((m) => m.payload.slice()));
    }
    out.push(payloads);
  }
  return out;
}

Deno.test("a producer built as the README shows keeps sending across a server restart, and stores each acknowledged message once", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED: "true" },
  });
  {
    await using admin = await connect(urlOf(server));
    await admin.createStream("orders");
    await admin.createTopic("orders", "created", { partitionsCount: 3 });
  }
  // As in the README's producer section (only the address differs).
  await using client = await connect(urlOf(server));
  await using producer = new IggyProducer(client, {
    streamId: "orders",
    topicId: "created",
    batchLength: 1000,
    lingerMs: 5,
    maxQueued: 10_000,
  });
  const acknowledged = new Set<number>();
  const failures: unknown[] = [];
  let next = 0;
  let stop = false;
  // Twenty senders, each with one message in flight at a time.
  const senders = Array.from({ length: 20 }, async () => {
    while (!stop) {
      const i = next++;
      try {
        await producer.send(message.json({ i }));
        acknowledged.add(i);
      } catch (err) {
        failures.push(err);
        return;
      }
    }
  });
  await waitFor("200 acknowledged messages", () => acknowledged.size >= 200);
  await restartInPlace(server, "tcp");
  const before = acknowledged.size;
  await waitFor(
    "200 more acknowledged after the restart",
    () => acknowledged.size >= before + 200 || failures.length > 0,
    { timeoutMs: 60_000 },
  );
  stop = true;
  await Promise.all(senders);
  assert.deepEqual(failures, [], "no send failed");
  await producer.flush();

  await using reader = await connect(urlOf(server));
  const partitions = await readAll(reader, "orders", "created", 3);
  const stored = new Map<number, number>();
  for (const payload of partitions.flat()) {
    const { i } = JSON.parse(new TextDecoder().decode(payload)) as {
      i: number;
    };
    stored.set(i, (stored.get(i) ?? 0) + 1);
  }
  for (const i of acknowledged) {
    assert.equal(stored.get(i), 1, `message ${i} is stored exactly once`);
  }
  assert.equal(client.closed, false);
});

Deno.test("connect() reports disconnected, reconnecting, reconnected and closed in order, and logs them", async () => {
  await using server = await startServer();
  const logged: string[] = [];
  const logger: Logger = {
    debug: (m) => logged.push(`debug: ${m}`),
    info: (m) => logged.push(`info: ${m}`),
    warn: (m) => logged.push(`warn: ${m}`),
    error: (m) => logged.push(`error: ${m}`),
  };
  const client = await connect(urlOf(server), { logger });
  const statuses: ConnectionStatus[] = [];
  const watching = (async () => {
    for await (const status of client.status()) statuses.push(status);
  })();
  await client.createStream("kept");
  await restartInPlace(server, "tcp");
  // Needs the replayed login: the session of the first connection is gone.
  assert.deepEqual((await client.getStreams()).map((s) => s.name), ["kept"]);
  await client.close();
  await watching; // the iteration ends when the client closes

  const types = statuses.map((s) => s.type);
  assert.equal(types[0], "disconnected", types.join());
  const attempts = statuses.filter((s) => s.type === "reconnecting");
  assert.ok(attempts.length >= 1, types.join());
  assert.deepEqual(
    attempts.map((s) => s.type === "reconnecting" && s.attempt),
    attempts.map((_, i) => i + 1),
    "attempts are numbered in order",
  );
  assert.deepEqual(types.slice(1 + attempts.length), ["reconnected", "closed"]);
  assert.deepEqual(statuses.at(-2), {
    type: "reconnected",
    attempts: attempts.length,
  });
  assert.deepEqual(statuses.at(-1), { type: "closed", error: undefined });
  assert.ok(logged.some((line) => /^warn: .*connection lost/.test(line)));
  assert.ok(logged.some((line) => /^info: .*reopened/.test(line)));
});

Deno.test("a consumer-group member on a connect() client keeps consuming after a server restart (logs in and joins again)", async () => {
  await using server = await startServer();
  const url = urlOf(server);
  await using admin = await connect(url);
  await admin.createStream("jobs");
  await admin.createTopic("jobs", "work", { partitionsCount: 2 });
  const produce = async (from: number, count: number) => {
    await using producer = new IggyProducer(admin, {
      streamId: "jobs",
      topicId: "work",
    });
    await producer.send(
      Array.from({ length: count }, (_, i) => message.json({ job: from + i })),
    );
  };
  await produce(0, 100);
  // As in the README's consumer section.
  await using client = await connect(url);
  const consumer = new IggyConsumer(client, {
    streamId: "jobs",
    topicId: "work",
    group: "workers",
    createGroup: true,
    pollIntervalMs: 10,
  });
  const jobs = new Set<number>();
  const loop = (async () => {
    for await (const m of consumer) {
      jobs.add(m.json<{ job: number }>().job);
      if (jobs.size === 200) break;
    }
  })();
  await waitFor("the first 100 jobs", () => jobs.size >= 100);
  await restartInPlace(server, "tcp");
  await produce(100, 100);
  await waitFor("all 200 jobs", () => jobs.size === 200 || consumer.closed, {
    timeoutMs: 30_000,
  }).finally(() => consumer.close());
  await loop;
  assert.equal(jobs.size, 200);
  assert.equal(client.closed, false);
});

/** A TCP port that was free a moment ago, so that a killed server can come back on it. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

Deno.test("a producer survives kill -9 of the server: every acknowledged message is stored, only the batch in flight may come twice", async () => {
  await using server = await startServer({
    env: {
      IGGY_TCP_ADDRESS: `127.0.0.1:${freePort()}`,
      IGGY_SYSTEM_PARTITION_ENFORCE_FSYNC: "true",
      IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED: "true",
    },
  });
  {
    await using admin = await connect(urlOf(server));
    await admin.createStream("orders");
    await admin.createTopic("orders", "created", { partitionsCount: 3 });
  }
  await using client = await connect(urlOf(server));
  await using producer = new IggyProducer(client, {
    streamId: "orders",
    topicId: "created",
    lingerMs: 5,
  });
  const acknowledged = new Set<number>();
  const failures: unknown[] = [];
  let next = 0;
  let stop = false;
  const senders = Array.from({ length: 20 }, async () => {
    while (!stop) {
      const i = next++;
      try {
        await producer.send(message.json({ i }));
        acknowledged.add(i);
      } catch (err) {
        failures.push(err);
        return;
      }
    }
  });
  await waitFor("100 acknowledged messages", () => acknowledged.size >= 100);
  const port = server.tcp.port;
  assert.equal((await server.kill("SIGKILL"))?.signal, "SIGKILL");
  await server.start(); // same data directory, same port (IGGY_TCP_ADDRESS)
  assert.equal(server.tcp.port, port);
  const before = acknowledged.size;
  await waitFor(
    "100 more acknowledged after the restart",
    () => acknowledged.size >= before + 100 || failures.length > 0,
    { timeoutMs: 60_000 },
  );
  stop = true;
  await Promise.all(senders);
  assert.deepEqual(failures, [], "no send failed");

  await using reader = await connect(urlOf(server));
  const stored = new Map<number, number>();
  for (
    const payload of (await readAll(reader, "orders", "created", 3)).flat()
  ) {
    const { i } = JSON.parse(new TextDecoder().decode(payload)) as {
      i: number;
    };
    stored.set(i, (stored.get(i) ?? 0) + 1);
  }
  for (const i of acknowledged) {
    assert.ok((stored.get(i) ?? 0) >= 1, `message ${i} is stored`);
  }
  // The deduplication cache does not survive kill -9: what was in flight (at most one message
  // per sender) may be stored twice, nothing else.
  const twice = [...stored.values()].filter((n) => n > 1).length;
  assert.ok(twice <= 20, `${twice} messages stored twice`);
  assert.ok([...stored.values()].every((n) => n <= 2));
});

Deno.test("connect() stops reconnecting at once when the server refuses the login it replays", async () => {
  await using server = await startServer();
  await using admin = await connect(urlOf(server));
  await admin.createUser("temp", "secret-1");
  const { hostname, port } = server.tcp;
  await using client = await connect(
    `iggy://temp:secret-1@${hostname}:${port}`,
  );
  await client.ping();
  await admin.deleteUser("temp");
  await restartInPlace(server, "tcp");
  const started = performance.now();
  await assert.rejects(
    client.ping(),
    (err: unknown) =>
      err instanceof Error && err.name === "ConnectionError" &&
      /log in again/.test(err.message),
  );
  assert.equal(client.closed, true);
  // One attempt, not the whole back-off (20 attempts, about a minute).
  assert.ok(performance.now() - started < 15_000);
  await admin.ping(); // the admin's own login is still good
});
