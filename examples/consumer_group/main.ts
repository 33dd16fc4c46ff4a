/**
 * Consumer-group demo: starts several group members (one connection each) on a topic with six
 * partitions, then produces messages; the server splits the partitions among the members, and
 * every message is handled by exactly one of them. Stops when all messages are consumed.
 *
 * ```sh
 * deno task example:group --consumers 3 --messages 600
 * ```
 * @module
 */

import { connect, IggyConsumer, IggyProducer, message } from "@iggy/client";
import { ensureTopic, exampleOptions } from "../_options.ts";

const options = exampleOptions(
  "Starts a producer and several members of one consumer group, and prints how the partitions were shared.",
);
const total = options.messages ?? 600;
const STREAM = "group-stream";
const TOPIC = "jobs";
// A group name per run, so the demo always starts from the first message.
const GROUP = `workers-${Date.now()}`;

await using admin = await connect(options.connection);
await ensureTopic(admin, STREAM, TOPIC, 6);

const counts = new Array<number>(options.consumers).fill(0);
let consumed = 0;
let finish: () => void;
const allConsumed = new Promise<void>((resolve) => finish = resolve);

const members = await Promise.all(
  counts.map(async (_, index) => {
    const consumer = new IggyConsumer(() => connect(options.connection), {
      streamId: STREAM,
      topicId: TOPIC,
      group: GROUP,
      createGroup: true,
      batchLength: 50,
      pollIntervalMs: 20,
    });
    await consumer.init();
    const done = (async () => {
      for await (const m of consumer) {
        counts[index]!++;
        if (counts[index]! % 100 === 0) {
          console.log(
            `Consumer ${index}: ${
              counts[index]
            } messages (last from partition ${m.partitionId})`,
          );
        }
        if (++consumed === total) finish();
      }
    })();
    return { consumer, done };
  }),
);

const group = await admin.getConsumerGroup({
  streamId: STREAM,
  topicId: TOPIC,
  groupId: GROUP,
});
for (const [i, member] of (group?.members ?? []).entries()) {
  console.log(`Member ${i} owns partitions ${member.partitions.join(", ")}`);
}

{
  await using producer = new IggyProducer(admin, {
    streamId: STREAM,
    topicId: TOPIC,
    batchLength: 50,
  });
  for (let i = 0; i < total; i += 50) {
    await producer.send(
      Array.from(
        { length: Math.min(50, total - i) },
        (_, j) => message.json({ job: i + j }),
      ),
    );
  }
}

await allConsumed;
await Promise.all(members.map((m) => m.consumer.close()));
await Promise.all(members.map((m) => m.done));
await admin.deleteConsumerGroup({
  streamId: STREAM,
  topicId: TOPIC,
  groupId: GROUP,
});
console.log(`Consumed ${consumed} messages: ${counts.join(" + ")}`);
