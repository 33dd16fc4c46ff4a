import assert from "node:assert/strict";
import {
  Aes256GcmEncryptor,
  CommandCode,
  ErrorCode,
  header,
  IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
  type Transport,
} from "../../mod.ts";
import {
  decodeSendMessages,
  decodeUserHeaders,
  MESSAGE_HEADER_SIZE,
  MessageField,
  POLLED_HEADER_SIZE,
} from "../../client/protocol/mod.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function keyOf(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

function isDecryptError(err: unknown): boolean {
  return err instanceof IggyError && err.code === ErrorCode.CannotDecryptData;
}

/** A one-partition broker in memory: stores the frames of each send and serves them to polls. */
class LoopbackTransport implements Transport {
  closed = false;
  /** The stored frames, back to back, as the server would keep them. */
  frames = new Uint8Array(0);
  count = 0;

  request(code: number, payload: Uint8Array): Promise<Uint8Array> {
    if (code === CommandCode.SendMessages) {
      const batch = decodeSendMessages(payload);
      const frames = new Uint8Array(this.frames.length + batch.messages.length);
      frames.set(this.frames);
      frames.set(batch.messages, this.frames.length);
      this.frames = frames;
      this.count += batch.count;
      return Promise.resolve(new Uint8Array(0));
    }
    assert.equal(code, CommandCode.PollMessages);
    const answer = new Uint8Array(POLLED_HEADER_SIZE + this.frames.length);
    const view = new DataView(answer.buffer);
    view.setBigUint64(4, BigInt(this.count - 1), true);
    view.setUint32(12, this.count, true);
    answer.set(this.frames, POLLED_HEADER_SIZE);
    // Stamp offsets as the server would.
    let at = POLLED_HEADER_SIZE;
    for (let i = 0; i < this.count; i++) {
      view.setBigUint64(at + MessageField.Offset, BigInt(i), true);
      at += MESSAGE_HEADER_SIZE +
        view.getUint32(at + MessageField.PayloadLength, true) +
        view.getUint32(at + MessageField.UserHeadersLength, true);
    }
    return Promise.resolve(answer);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The payload and header block of stored message `index`. */
  stored(index: number): { payload: Uint8Array; headers: Uint8Array } {
    const view = new DataView(this.frames.buffer);
    let at = 0;
    for (let i = 0;; i++) {
      const payloadLength = view.getUint32(
        at + MessageField.PayloadLength,
        true,
      );
      const headersLength = view.getUint32(
        at + MessageField.UserHeadersLength,
        true,
      );
      const body = at + MESSAGE_HEADER_SIZE;
      if (i === index) {
        return {
          payload: this.frames.subarray(body, body + payloadLength),
          headers: this.frames.subarray(
            body + payloadLength,
            body + payloadLength + headersLength,
          ),
        };
      }
      at = body + payloadLength + headersLength;
    }
  }
}

const poll = { streamId: 1, topicId: 1, strategy: PollingStrategy.first() };

Deno.test("Aes256GcmEncryptor round-trips with a fresh nonce per payload", async () => {
  const encryptor = await Aes256GcmEncryptor.fromKey(keyOf(1));
  const plain = encoder.encode("Hello World!");
  const first = await encryptor.encrypt(plain);
  const second = await encryptor.encrypt(plain);
  assert.equal(first.length, 12 + plain.length + 16);
  assert.notDeepEqual(first.subarray(0, 12), second.subarray(0, 12));
  assert.notDeepEqual(first, second);
  assert.deepEqual(await encryptor.decrypt(first), plain);
  assert.deepEqual(await encryptor.decrypt(second), plain);
  assert.deepEqual(
    await encryptor.decrypt(await encryptor.encrypt(new Uint8Array(0))),
    new Uint8Array(0),
  );
});

Deno.test("Aes256GcmEncryptor.fromKey() takes base64 of the same key", async () => {
  const raw = Uint8Array.from({ length: 32 }, (_, i) => i);
  const fromBytes = await Aes256GcmEncryptor.fromKey(raw);
  const fromBase64 = await Aes256GcmEncryptor.fromKey(
    ` ${btoa(String.fromCharCode(...raw))}\n`,
  );
  const sealed = await fromBytes.encrypt(encoder.encode("same key"));
  assert.equal(decoder.decode(await fromBase64.decrypt(sealed)), "same key");
});

Deno.test("Aes256GcmEncryptor.fromKey() rejects a key that is not 32 bytes", async () => {
  for (const length of [0, 16, 24, 31, 33, 64]) {
    await assert.rejects(
      Aes256GcmEncryptor.fromKey(new Uint8Array(length)),
      RangeError,
    );
  }
  await assert.rejects(
    Aes256GcmEncryptor.fromKey(btoa("x".repeat(16))),
    /32 bytes long: got 16/,
  );
  await assert.rejects(Aes256GcmEncryptor.fromKey("not base64!"), TypeError);
});

Deno.test("Aes256GcmEncryptor.decrypt() fails with 72 for a wrong key", async () => {
  const first = await Aes256GcmEncryptor.fromKey(keyOf(1));
  const second = await Aes256GcmEncryptor.fromKey(keyOf(2));
  const sealed = await first.encrypt(encoder.encode("Hello World!"));
  await assert.rejects(second.decrypt(sealed), isDecryptError);
});

Deno.test("Aes256GcmEncryptor.decrypt() fails with 72 for any changed byte or a short input", async () => {
  const encryptor = await Aes256GcmEncryptor.fromKey(keyOf(7));
  const sealed = await encryptor.encrypt(encoder.encode("tamper with me"));
  // One byte in the nonce, the ciphertext and the tag.
  for (const index of [0, 11, 12, 20, sealed.length - 1]) {
    const changed = sealed.slice();
    changed[index]! ^= 0x01;
    await assert.rejects(encryptor.decrypt(changed), isDecryptError);
  }
  await assert.rejects(
    encryptor.decrypt(sealed.subarray(0, sealed.length - 1)),
    isDecryptError,
  );
  await assert.rejects(encryptor.decrypt(new Uint8Array(27)), isDecryptError);
  await assert.rejects(encryptor.decrypt(new Uint8Array(0)), isDecryptError);
});

Deno.test("IggyClient with an encryptor sends ciphertext, keeps headers plaintext and polls plaintext", async () => {
  const transport = new LoopbackTransport();
  const encryptor = await Aes256GcmEncryptor.fromKey(keyOf(3));
  const client = new IggyClient(transport, { encryptor });
  assert.equal(client.encryptor, encryptor);
  await client.sendMessages({
    streamId: 1,
    topicId: 1,
    partitioning: Partitioning.partitionId(0),
    messages: [
      { payload: "secret order", headers: { kind: header.string("order") } },
      { payload: encoder.encode("second") },
    ],
  });
  const stored = transport.stored(0);
  assert.equal(stored.payload.length, "secret order".length + 28);
  assert.ok(!decoder.decode(stored.payload).includes("secret"));
  assert.deepEqual(decodeUserHeaders(stored.headers), {
    kind: header.string("order"),
  });

  const { messages } = await client.pollMessages(poll);
  assert.deepEqual(
    messages.map((m) => decoder.decode(m.payload)),
    ["secret order", "second"],
  );
  assert.deepEqual(messages[0]!.headers, { kind: header.string("order") });
  assert.deepEqual(messages.map((m) => m.offset), [0n, 1n]);

  // Without an encryptor the same poll shows the ciphertext.
  const plain = new IggyClient(transport);
  const raw = await plain.pollMessages(poll);
  assert.deepEqual(raw.messages[0]!.payload, stored.payload);
});

Deno.test("IggyClient.pollMessages() fails with 72 naming the message for a wrong key or a plaintext message", async () => {
  const transport = new LoopbackTransport();
  const writer = new IggyClient(transport, {
    encryptor: await Aes256GcmEncryptor.fromKey(keyOf(4)),
  });
  await writer.sendMessages({
    streamId: 1,
    topicId: 1,
    messages: [{ payload: "a" }],
  });
  const reader = new IggyClient(transport, {
    encryptor: await Aes256GcmEncryptor.fromKey(keyOf(5)),
  });
  await assert.rejects(
    reader.pollMessages(poll),
    (err: unknown) =>
      isDecryptError(err) &&
      /offset 0 of partition 0: wrong key or tampered data$/.test(
        (err as Error).message,
      ),
  );

  const other = new LoopbackTransport();
  await new IggyClient(other).sendMessages({
    streamId: 1,
    topicId: 1,
    messages: [{ payload: "sent in the clear" }],
  });
  await assert.rejects(
    new IggyClient(other, {
      encryptor: await Aes256GcmEncryptor.fromKey(keyOf(4)),
    })
      .pollMessages(poll),
    isDecryptError,
  );
});

Deno.test("IggyClient per-call encryptor overrides the client's own", async () => {
  const transport = new LoopbackTransport();
  const own = await Aes256GcmEncryptor.fromKey(keyOf(6));
  const other = await Aes256GcmEncryptor.fromKey(keyOf(8));
  const client = new IggyClient(transport, { encryptor: own });
  await client.sendMessages({
    streamId: 1,
    topicId: 1,
    messages: [{ payload: "override" }],
    encryptor: other,
  });
  await assert.rejects(client.pollMessages(poll), isDecryptError);
  const { messages } = await client.pollMessages({ ...poll, encryptor: other });
  assert.equal(decoder.decode(messages[0]!.payload), "override");
});

Deno.test("IggyClient.sendMessages() turns a failing custom encryptor into 71", async () => {
  const client = new IggyClient(new LoopbackTransport(), {
    encryptor: {
      encrypt: () => Promise.reject(new Error("HSM offline")),
      decrypt: (data) => Promise.resolve(data),
    },
  });
  await assert.rejects(
    client.sendMessages({
      streamId: 1,
      topicId: 1,
      messages: [{ payload: "x" }],
    }),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.CannotEncryptData &&
      err.message.includes("HSM offline"),
  );
});

Deno.test("Aes256GcmEncryptor reads and writes nonce ‖ ciphertext ‖ tag as another AES-GCM library does", async () => {
  const { createCipheriv, createDecipheriv } = await import("node:crypto");
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
  const plain = encoder.encode("interoperable payload");
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  const body = new Uint8Array([...cipher.update(plain), ...cipher.final()]);
  const sealed = new Uint8Array([...nonce, ...body, ...cipher.getAuthTag()]);
  const encryptor = await Aes256GcmEncryptor.fromKey(key);
  assert.deepEqual(await encryptor.decrypt(sealed), plain);

  const ours = await encryptor.encrypt(plain);
  const decipher = createDecipheriv("aes-256-gcm", key, ours.subarray(0, 12));
  decipher.setAuthTag(ours.subarray(ours.length - 16));
  const opened = new Uint8Array([
    ...decipher.update(ours.subarray(12, ours.length - 16)),
    ...decipher.final(),
  ]);
  assert.deepEqual(opened, plain);
});
