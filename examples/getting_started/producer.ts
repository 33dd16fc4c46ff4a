/**
 * Getting started, producer: sends numbered text messages to `sample-stream/sample-topic` in
 * batches of 10, spread message by message over the topic's partitions.
 *
 * ```sh
 * deno task example:producer --messages 100 --connection iggy://iggy:iggy@127.0.0.1:8090
 * ```
 * @module
 */

import { connect, IggyProducer, message } from "@iggy/client";
import { ensureTopic, exampleOptions, pause } from "../_options.ts";

const options = exampleOptions(
  "Sends numbered text messages to sample-stream/sample-topic in batches of 10.",
);
const total = options.messages ?? 1000;

await using client = await connect(options.connection);
await ensureTopic(client, "sample-stream", "sample-topic", 3);
await using producer = new IggyProducer(client, {
  streamId: "sample-stream",
  topicId: "sample-topic",
  batchLength: 10,
});

for (let sent = 0; sent < total;) {
  const batch = Array.from(
    { length: Math.min(10, total - sent) },
    (_, i) => message.text(`message-${sent + i}`),
  );
  await producer.send(batch); // resolves once the server has stored the batch
  sent += batch.length;
  console.log(`Sent ${sent}/${total} messages`);
  if (sent < total) await pause(options.intervalMs);
}
