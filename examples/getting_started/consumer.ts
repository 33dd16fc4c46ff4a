/**
 * Getting started, consumer: reads `sample-stream/sample-topic` (every partition) as consumer 1,
 * continuing after its stored offsets, and prints each message.
 *
 * ```sh
 * deno task example:consumer --messages 100 --connection iggy://iggy:iggy@127.0.0.1:8090
 * ```
 * @module
 */

import { connect, IggyConsumer } from "@iggy/client";
import { ensureTopic, exampleOptions } from "../_options.ts";

const options = exampleOptions(
  "Reads sample-stream/sample-topic as consumer 1 and prints each message.",
);

await using client = await connect(options.connection);
await ensureTopic(client, "sample-stream", "sample-topic", 3);
await using consumer = new IggyConsumer(client, {
  streamId: "sample-stream",
  topicId: "sample-topic",
  consumerId: 1,
  batchLength: 10,
});

let received = 0;
for await (const m of consumer) {
  console.log(
    `Partition ${m.partitionId}, offset ${m.offset}: ${m.text()}`,
  );
  if (++received === options.messages) break;
}
console.log(`Received ${received} messages`);
