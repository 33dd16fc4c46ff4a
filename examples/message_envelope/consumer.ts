/**
 * Message envelope, consumer: reads the typed JSON messages and handles each by its
 * `message_type` header.
 *
 * ```sh
 * deno task example:envelope-consumer --messages 30
 * ```
 * @module
 */

import { connect, type ConsumerMessage, IggyConsumer } from "@iggy/client";
import { ensureTopic, exampleOptions } from "../_options.ts";
import type {
  OrderConfirmed,
  OrderCreated,
  OrderRejected,
} from "./_envelope.ts";
import { TYPE_HEADER } from "./_envelope.ts";

const options = exampleOptions(
  "Reads envelope-stream/orders in the group envelope-readers and handles each event by its type header.",
);

function handle(m: ConsumerMessage): void {
  const type = m.header(TYPE_HEADER);
  switch (type) {
    case "order_created": {
      const order = m.json<OrderCreated>();
      console.log(
        `Order ${order.orderId} created: ${order.total} ${order.currency}`,
      );
      break;
    }
    case "order_confirmed": {
      const order = m.json<OrderConfirmed>();
      console.log(`Order ${order.orderId} confirmed at ${order.confirmedAt}`);
      break;
    }
    case "order_rejected": {
      const order = m.json<OrderRejected>();
      console.log(`Order ${order.orderId} rejected: ${order.reason}`);
      break;
    }
    default:
      console.log(`Skipping a message of unknown type ${String(type)}`);
  }
}

await using client = await connect(options.connection);
await ensureTopic(client, "envelope-stream", "orders", 3);
await using consumer = new IggyConsumer(client, {
  streamId: "envelope-stream",
  topicId: "orders",
  group: "envelope-readers",
  createGroup: true,
});

let received = 0;
for await (const m of consumer) {
  handle(m);
  if (++received === options.messages) break;
}
console.log(`Received ${received} messages`);
