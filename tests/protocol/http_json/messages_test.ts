/**
 * The messages pairs of the HTTP codec: the SendMessages body and the PolledMessages answer.
 */
import assert from "node:assert/strict";
import {
  JsonFields,
  type JsonObject,
  parseJsonExact,
  polledMessagesFromJson,
  polledMessagesToJson,
  sendMessagesFromJson,
  sendMessagesToJson,
} from "../../../client/protocol/http_json/mod.ts";
import {
  header,
  INDEX_ENTRY_SIZE,
  type OutgoingMessage,
  prepareMessages,
} from "../../../client/protocol/mod.ts";
import { stringifyJson } from "../../../server/http/json.ts";

const read = new JsonFields((message) => {
  throw new TypeError(message);
}, { strictBase64: true });

function viaText(value: unknown): JsonObject {
  return parseJsonExact(stringifyJson(value)) as JsonObject;
}

const encoder = new TextEncoder();
const MESSAGES: OutgoingMessage[] = [
  { payload: encoder.encode("a") },
  {
    id: 2n ** 128n - 3n,
    payload: encoder.encode("bb"),
    headers: { k: header.string("v"), n: header.uint32(7) },
  },
];

Deno.test("sendMessagesFromJson() reads back sendMessagesToJson() of messages and of a prepared batch", () => {
  const partitioning = {
    kind: "messages_key",
    key: encoder.encode("c-1"),
  } as const;
  for (const messages of [MESSAGES, prepareMessages(MESSAGES)]) {
    const body = viaText(sendMessagesToJson(partitioning, messages));
    const read1 = sendMessagesFromJson(body, read);
    assert.deepEqual(read1.partitioning, partitioning);
    assert.deepEqual(read1.messages.map((m) => m.payload), [
      encoder.encode("a"),
      encoder.encode("bb"),
    ]);
    assert.deepEqual(read1.messages.map((m) => m.id), [0n, 2n ** 128n - 3n]);
    assert.equal(read1.messages[0]!.rawHeaders, undefined);
    // The typed entries come back as the block the binary encoder writes.
    assert.deepEqual(
      prepareMessages([{
        payload: Uint8Array.of(1),
        rawHeaders: read1.messages[1]!.rawHeaders,
      }])
        .section.subarray(INDEX_ENTRY_SIZE + 64 + 1),
      prepareMessages([{
        payload: Uint8Array.of(1),
        headers: MESSAGES[1]!.headers,
      }])
        .section.subarray(INDEX_ENTRY_SIZE + 64 + 1),
    );
  }
  assert.deepEqual(
    sendMessagesFromJson(
      viaText(
        sendMessagesToJson({ kind: "partition_id", partitionId: 5 }, MESSAGES),
      ),
      read,
    ).partitioning,
    { kind: "partition_id", partitionId: 5 },
  );
  assert.throws(
    () =>
      sendMessagesFromJson({ partitioning: {}, messages: [], extra: 1 }, read),
    /unknown field `extra`/,
  );
});

Deno.test("polledMessagesFromJson() reads back polledMessagesToJson(), payloads as views into their frames", () => {
  const { count, section } = prepareMessages(MESSAGES);
  const frames = section.slice(INDEX_ENTRY_SIZE * count);
  // Stamp the frames as the server stores them.
  const view = new DataView(frames.buffer);
  view.setBigUint64(0, 11n, true);
  view.setBigUint64(24, 40n, true);
  view.setBigUint64(32, 123n, true);
  const json = viaText(
    polledMessagesToJson({ partitionId: 2, currentOffset: 41n, count, frames }),
  );
  const polled = polledMessagesFromJson(json, read, {
    partitionId: 9,
    currentOffset: 9n,
  });
  assert.equal(polled.partitionId, 2);
  assert.equal(polled.currentOffset, 41n);
  const [first, second] = polled.messages;
  assert.equal(first!.checksum, 11n);
  assert.equal(first!.offset, 40n);
  assert.equal(first!.timestamp, 123n);
  assert.deepEqual(first!.payload, encoder.encode("a"));
  assert.equal(second!.id, 2n ** 128n - 3n);
  assert.deepEqual(second!.headers, MESSAGES[1]!.headers);
  // The frame bytes around the payload are the stored frame's.
  const p = first!.payload;
  assert.deepEqual(
    new Uint8Array(p.buffer, p.byteOffset - 64, frames.length),
    frames,
  );
});

Deno.test("polledMessagesToJson() zeroes an empty answer; polledMessagesFromJson() takes the given position then", () => {
  const json = viaText(
    polledMessagesToJson({
      partitionId: 3,
      currentOffset: 7n,
      count: 0,
      frames: new Uint8Array(0),
    }),
  );
  assert.deepEqual(json, {
    partition_id: 0n,
    current_offset: 0n,
    count: 0n,
    messages: [],
  });
  assert.deepEqual(
    polledMessagesFromJson(json, read, { partitionId: 3, currentOffset: 7n }),
    { partitionId: 3, currentOffset: 7n, messages: [] },
  );
});
