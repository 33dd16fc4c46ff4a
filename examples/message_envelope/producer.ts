/**
 * Message envelope, producer: sends typed JSON messages whose `message_type` header names their
 * type; messages of one order share a partition (key partitioning by order id).
 *
 * ```sh
 * deno task example:envelope-producer --messages 30
 * ```
 * @module
 */

import {
  connect,
  header,
  IggyProducer,
  message,
  type NewMessage,
  Partitioning,
} from "@iggy/client";
import { ensureTopic, exampleOptions, pause } from "../_options.ts";
import { type Envelopes, TYPE_HEADER } from "./_envelope.ts";

const options = exampleOptions(
  "Sends typed JSON order events (a type header per message) to envelope-stream/orders.",
);
const total = options.messages ?? 300;

function envelope<K extends keyof Envelopes>(
  type: K,
  body: Envelopes[K],
): NewMessage {
  return message.json(body, {
    headers: {
      [TYPE_HEADER]: header.string(type),
      order_id: header.uint32(body.orderId),
    },
  });
}

await using client = await connect(options.connection);
await ensureTopic(client, "envelope-stream", "orders", 3);
await using producer = new IggyProducer(client, {
  streamId: "envelope-stream",
  topicId: "orders",
  // All messages of one order go to the same partition, so they stay in order.
  partitioning: (m) => Partitioning.messagesKey(m.headers!.order_id!.value),
  batchLength: 100,
  lingerMs: 10,
});

function order(i: number): NewMessage {
  const orderId = Math.floor(i / 3);
  switch (i % 3) {
    case 0:
      return envelope("order_created", {
        orderId,
        currency: "EUR",
        total: 10 + orderId,
      });
    case 1:
      return envelope("order_confirmed", {
        orderId,
        confirmedAt: new Date().toISOString(),
      });
    default:
      return envelope("order_rejected", { orderId, reason: "out of stock" });
  }
}

for (let i = 0; i < total; i += 30) {
  // Sends issued together are batched by the producer; each resolves once acknowledged.
  const sends = [];
  for (let j = i; j < Math.min(i + 30, total); j++) {
    sends.push(producer.send(order(j)));
  }
  await Promise.all(sends);
  console.log(`Sent ${Math.min(i + 30, total)}/${total} messages`);
  if (i + 30 < total) await pause(options.intervalMs);
}
