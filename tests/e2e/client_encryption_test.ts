import assert from "node:assert/strict";
import {
  Aes256GcmEncryptor,
  CommandCode,
  type Encryptor,
  ErrorCode,
  header,
  HeaderKind,
  IggyClient,
  IggyConsumer,
  IggyError,
  IggyProducer,
  Partitioning,
  type PolledMessages,
  PollingStrategy,
  TcpTransport,
} from "../../mod.ts";
import { encodeSendMessages } from "../../client/protocol/mod.ts";
import { startServer, type TestServer } from "../_server.ts";
import { contains, readLogs } from "../_assert.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const TOPIC = { streamId: "secure", topicId: "orders" };

function connectRoot(
  server: TestServer,
  encryptor?: Encryptor,
): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
    encryptor,
  });
}

async function setUp(client: IggyClient, partitions = 1): Promise<void> {
  await client.createStream(TOPIC.streamId);
  await client.createTopic(TOPIC.streamId, TOPIC.topicId, {
    partitionsCount: partitions,
  });
}

function pollAll(
  client: IggyClient,
  options: { encryptor?: Encryptor; count?: number } = {},
): Promise<PolledMessages> {
  return client.pollMessages({
    ...TOPIC,
    partitionId: 0,
    strategy: PollingStrategy.first(),
    count: options.count ?? 100,
    encryptor: options.encryptor,
  });
}

Deno.test("IggyClient with an encryptor: the server stores and serves ciphertext, the client reads plaintext", async () => {
  await using server = await startServer();
  const encryptor = await Aes256GcmEncryptor.fromKey(KEY);
  await using secure = await connectRoot(server, encryptor);
  await using plain = await connectRoot(server);
  await setUp(plain);

  const secrets = ["card 4111-1111-1111-1111", "ssn 078-05-1120"];
  await secure.sendMessages({
    ...TOPIC,
    partitioning: Partitioning.partitionId(0),
    messages: secrets.map((payload, i) => ({
      id: BigInt(i + 1),
      payload,
      headers: { kind: header.string("visible-header") },
    })),
  });
  // A control message in the clear shows that the disk scan below can find plaintext.
  await plain.sendMessages({
    ...TOPIC,
    partitioning: Partitioning.partitionId(0),
    messages: [{ payload: "clear control text" }],
  });

  const decrypted = await pollAll(secure, { count: 2 });
  assert.deepEqual(
    decrypted.messages.map((m) => decoder.decode(m.payload)),
    secrets,
  );
  assert.deepEqual(decrypted.messages.map((m) => m.id), [1n, 2n]);
  assert.deepEqual(decrypted.messages[0]!.headers, {
    kind: header.string("visible-header"),
  });

  const raw = await pollAll(plain);
  assert.equal(raw.messages.length, 3);
  for (const [i, secret] of secrets.entries()) {
    const payload = raw.messages[i]!.payload;
    assert.equal(payload.length, encoder.encode(secret).length + 28);
    assert.notDeepEqual(payload.subarray(12, 12 + secret.length), secret);
    assert.ok(!decoder.decode(payload).includes(secret.slice(0, 8)));
    assert.deepEqual(await encryptor.decrypt(payload), encoder.encode(secret));
  }
  assert.equal(decoder.decode(raw.messages[2]!.payload), "clear control text");

  // The secure client cannot read the plaintext message: a clear 72, not garbage.
  await assert.rejects(
    pollAll(secure),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.CannotDecryptData &&
      err.message.includes("offset 2 of partition 0"),
  );

  await plain.flushUnsavedBuffer({ ...TOPIC, partitionId: 0, fsync: true });
  const logs = await readLogs(server.dataDir);
  assert.ok(contains(logs, "clear control text"), "the scan finds plaintext");
  assert.ok(contains(logs, "visible-header"), "user headers stay plaintext");
  for (const secret of secrets) {
    assert.ok(!contains(logs, secret), `"${secret}" is not on disk`);
  }
});

Deno.test("IggyClient polling with another key fails with 72; over HTTP the right key reads it", async () => {
  await using server = await startServer();
  await using writer = await connectRoot(
    server,
    await Aes256GcmEncryptor.fromKey(KEY),
  );
  await setUp(writer);
  await writer.sendMessages({
    ...TOPIC,
    messages: [{ payload: "for the right key" }],
  });
  await using http = await IggyClient.connect({
    transport: "http",
    ...server.http!,
    username: "iggy",
    password: "iggy",
    encryptor: await Aes256GcmEncryptor.fromKey(KEY),
  });
  const { messages } = await pollAll(http);
  assert.equal(decoder.decode(messages[0]!.payload), "for the right key");
  await using reader = await connectRoot(
    server,
    await Aes256GcmEncryptor.fromKey(new Uint8Array(32).fill(9)),
  );
  await assert.rejects(
    pollAll(reader),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.CannotDecryptData,
  );
});

Deno.test("IggyProducer and IggyConsumer with an encryptor round-trip through the server", async () => {
  await using server = await startServer();
  const encryptor = await Aes256GcmEncryptor.fromKey(KEY);
  await using plain = await connectRoot(server);
  await setUp(plain, 2);

  // The producer's own encryptor, on a client without one.
  {
    await using producer = new IggyProducer(plain, {
      ...TOPIC,
      encryptor,
      batchLength: 7,
    });
    await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) =>
          producer.send({ payload: `secret ${i}` }, {
            partitioning: Partitioning.partitionId(i % 2),
          }),
      ),
    );
  }
  const raw = await pollAll(plain);
  assert.equal(raw.messages.length, 10);
  for (const m of raw.messages) {
    assert.ok(!decoder.decode(m.payload).includes("secret"));
  }

  // A consumer gets the encryptor through its client.
  await using secure = await connectRoot(server, encryptor);
  const seen: string[] = [];
  {
    await using consumer = new IggyConsumer(secure, {
      ...TOPIC,
      strategy: PollingStrategy.first(),
      batchLength: 6,
    });
    for await (const m of consumer) {
      seen.push(m.text());
      if (seen.length === 20) break;
    }
  }
  assert.deepEqual(
    seen.sort(),
    Array.from({ length: 20 }, (_, i) => `secret ${i}`).sort(),
  );

  // A consumer's own encryptor on a plain client; a wrong one fails the iteration with 72.
  {
    await using consumer = new IggyConsumer(plain, {
      ...TOPIC,
      partitionId: 1,
      consumerId: 2,
      strategy: PollingStrategy.first(),
      encryptor,
    });
    for await (const m of consumer) {
      assert.equal(m.text(), "secret 1");
      break;
    }
  }
  await using wrong = new IggyConsumer(plain, {
    ...TOPIC,
    consumerId: 3,
    strategy: PollingStrategy.first(),
    encryptor: await Aes256GcmEncryptor.fromKey(new Uint8Array(32)),
  });
  await assert.rejects(
    (async () => {
      for await (const _ of wrong) break;
    })(),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.CannotDecryptData,
  );
});

/** AES-256-GCM as the official SDKs' `Aes256GcmEncryptor` lays it out: `nonce (12) ‖ ciphertext ‖ tag (16)`. */
async function sealLikeOfficialSdk(
  key: Uint8Array,
  plain: Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    "AES-GCM",
    false,
    ["encrypt"],
  );
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce },
      cryptoKey,
      plain as Uint8Array<ArrayBuffer>,
    ),
  );
  const out = new Uint8Array(12 + sealed.length);
  out.set(nonce);
  out.set(sealed, 12);
  return out;
}

async function openLikeOfficialSdk(
  key: Uint8Array,
  sealed: Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    "AES-GCM",
    false,
    ["decrypt"],
  );
  return new Uint8Array(
    await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: sealed.subarray(0, 12) as Uint8Array<ArrayBuffer>,
      },
      cryptoKey,
      sealed.subarray(12) as Uint8Array<ArrayBuffer>,
    ),
  );
}

/** One header entry, written by hand from binary.md §2.7: `kind u8, len u32 LE, bytes` for key then value. */
function headerEntry(key: string, kind: number, value: Uint8Array): Uint8Array {
  const keyBytes = encoder.encode(key);
  const out = new Uint8Array(10 + keyBytes.length + value.length);
  const view = new DataView(out.buffer);
  out[0] = HeaderKind.String;
  view.setUint32(1, keyBytes.length, true);
  out.set(keyBytes, 5);
  const at = 5 + keyBytes.length;
  out[at] = kind;
  view.setUint32(at + 1, value.length, true);
  out.set(value, at + 5);
  return out;
}

const KEY_BYTES = Uint8Array.from(atob(KEY), (c) => c.charCodeAt(0));

Deno.test("a message whose payload and user-header block are encrypted as the official SDKs do is stored, and read back decrypted", async () => {
  await using server = await startServer();
  await using admin = await connectRoot(server);
  await setUp(admin);

  const block = new Uint8Array([
    ...headerEntry("trace", HeaderKind.String, encoder.encode("abc-123")),
    ...headerEntry("n", HeaderKind.Uint32, Uint8Array.of(7, 0, 0, 0)),
  ]);
  const rawHeaders = await sealLikeOfficialSdk(KEY_BYTES, block);
  const payload = await sealLikeOfficialSdk(
    KEY_BYTES,
    encoder.encode("official secret"),
  );
  // Sent over a bare transport, so nothing of the SDK's send path is involved.
  const transport = await TcpTransport.connect(server.tcp);
  try {
    await new IggyClient(transport).login("iggy", "iggy");
    await transport.request(
      CommandCode.SendMessages,
      encodeSendMessages({
        ...TOPIC,
        partitioning: Partitioning.partitionId(0),
        messages: [{ id: 5n, payload, rawHeaders }],
      }),
    );
  } finally {
    await transport.close();
  }

  const encryptor = await Aes256GcmEncryptor.fromKey(KEY);
  for (
    const reader of [
      await connectRoot(server, encryptor),
      await IggyClient.connect({
        transport: "http",
        ...server.http!,
        username: "iggy",
        password: "iggy",
        encryptor,
      }),
    ]
  ) {
    await using client = reader;
    const [message] = (await pollAll(client)).messages;
    assert.equal(decoder.decode(message!.payload), "official secret");
    assert.deepEqual(message!.headers, {
      n: header.uint32(7),
      trace: header.string("abc-123"),
    });
    assert.equal(message!.rawHeaders, undefined);
    assert.equal(message!.id, 5n);
  }

  // Without the key the block is opaque bytes: no headers, the block as stored, no error.
  const [opaque] = (await pollAll(admin)).messages;
  assert.deepEqual(opaque!.headers, {});
  assert.deepEqual(opaque!.rawHeaders, rawHeaders);
});

Deno.test("IggyClient with encryptHeaders writes the official SDKs' header format and still reads plaintext headers", async () => {
  await using server = await startServer();
  const encryptor = await Aes256GcmEncryptor.fromKey(KEY);
  await using admin = await connectRoot(server);
  await setUp(admin);
  await using sealing = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
    encryptor,
    encryptHeaders: true,
  });
  const headers = { kind: header.string("hidden-header") };
  await sealing.sendMessages({
    ...TOPIC,
    messages: [{ payload: "one", headers }],
  });
  // An older message with plaintext headers (the default) in the same partition.
  await using plainHeaders = await connectRoot(server, encryptor);
  await plainHeaders.sendMessages({
    ...TOPIC,
    messages: [{ payload: "two", headers }],
  });

  const [stored] = (await pollAll(admin)).messages;
  const block = await openLikeOfficialSdk(KEY_BYTES, stored!.rawHeaders!);
  assert.deepEqual(
    block,
    headerEntry("kind", HeaderKind.String, encoder.encode("hidden-header")),
  );

  const read = (await pollAll(sealing)).messages;
  assert.deepEqual(read.map((m) => decoder.decode(m.payload)), ["one", "two"]);
  assert.deepEqual(read.map((m) => m.headers), [headers, headers]);

  await admin.flushUnsavedBuffer({ ...TOPIC, partitionId: 0, fsync: true });
  const logs = await readLogs(server.dataDir);
  assert.ok(
    contains(logs, "hidden-header"),
    "the default keeps headers plaintext",
  );
  assert.equal(
    countOf(logs, "hidden-header"),
    1,
    "only the plaintext-header message shows it",
  );
});

function countOf(haystack: Uint8Array, needle: string): number {
  const text = new TextDecoder("latin1").decode(haystack);
  return text.split(needle).length - 1;
}
