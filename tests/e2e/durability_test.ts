import assert from "node:assert/strict";
import {
  ConnectionError,
  Consumer,
  IggyClient,
  type Message,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { startServer, type TestServer } from "../_server.ts";

const decoder = new TextDecoder();

function connectRoot(server: TestServer): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
}

async function pollAll(
  client: IggyClient,
  streamId: string,
  topicId: string,
  partitionId: number,
): Promise<Message[]> {
  const out: Message[] = [];
  while (true) {
    const { messages } = await client.pollMessages({
      streamId,
      topicId,
      partitionId,
      strategy: PollingStrategy.offset(BigInt(out.length)),
      count: 1000,
      autoCommit: false,
    });
    if (messages.length === 0) return out;
    out.push(...messages);
  }
}

Deno.test("restart() keeps streams, topics, messages and offsets", async () => {
  await using server = await startServer();
  {
    await using client = await connectRoot(server);
    await client.createStream("durable");
    await client.createTopic("durable", "log", { partitionsCount: 2 });
    for (let b = 0; b < 10; b++) {
      await client.sendMessages({
        streamId: "durable",
        topicId: "log",
        partitioning: Partitioning.partitionId(b % 2),
        messages: Array.from({ length: 100 }, (_, i) => ({
          payload: `b${b}-m${i}`,
        })),
      });
    }
    await client.storeConsumerOffset({
      streamId: "durable",
      topicId: "log",
      partitionId: 1,
      consumer: Consumer.single(9),
      offset: 123n,
    });
    await client.createConsumerGroup({
      streamId: "durable",
      topicId: "log",
      name: "readers",
    });
  }

  await server.restart();

  await using client = await connectRoot(server);
  const stream = await client.getStream("durable");
  assert.equal(stream?.topicsCount, 1);
  const topic = await client.getTopic("durable", "log");
  assert.equal(topic?.partitionsCount, 2);
  assert.equal(topic?.messagesCount, 1000n);
  for (let p = 0; p < 2; p++) {
    const messages = await pollAll(client, "durable", "log", p);
    assert.equal(messages.length, 500);
    messages.forEach((m, offset) => {
      assert.equal(m.offset, BigInt(offset));
      const batch = 2 * Math.floor(offset / 100) + p;
      assert.equal(decoder.decode(m.payload), `b${batch}-m${offset % 100}`);
    });
  }
  const offset = await client.getConsumerOffset({
    streamId: "durable",
    topicId: "log",
    partitionId: 1,
    consumer: Consumer.single(9),
  });
  assert.equal(offset?.storedOffset, 123n);
  assert.equal(
    (await client.getConsumerGroup({
      streamId: "durable",
      topicId: "log",
      groupId: "readers",
    }))?.name,
    "readers",
  );
  // The restarted server keeps appending after the recovered offsets.
  await client.sendMessages({
    streamId: "durable",
    topicId: "log",
    partitioning: Partitioning.partitionId(0),
    messages: [{ payload: "after restart" }],
  });
  const last = await client.pollMessages({
    streamId: "durable",
    topicId: "log",
    partitionId: 0,
    strategy: PollingStrategy.last(),
    count: 1,
  });
  assert.equal(last.messages[0]?.offset, 500n);
  assert.equal(decoder.decode(last.messages[0]!.payload), "after restart");
});

Deno.test("kill(SIGKILL) during sends with enforced fsync loses no acknowledged message", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_PARTITION_ENFORCE_FSYNC: "true" },
  });
  const BATCH = 50;
  const KILL_AFTER = 40;
  let acknowledged = 0;
  {
    await using client = await connectRoot(server);
    await client.createStream("crash");
    await client.createTopic("crash", "log", { partitionsCount: 1 });

    const { promise: enough, resolve } = Promise.withResolvers<void>();
    // Keep a window of pipelined sends in flight until the connection dies.
    const sender = (async () => {
      let next = 0;
      const inFlight = new Set<Promise<void>>();
      try {
        while (true) {
          while (inFlight.size < 4) {
            const b = next++;
            const send: Promise<void> = client.sendMessages({
              streamId: "crash",
              topicId: "log",
              partitioning: Partitioning.partitionId(0),
              messages: Array.from({ length: BATCH }, (_, i) => ({
                payload: `m${b * BATCH + i}`,
              })),
            }).then(() => {
              // Answers come in order, so acknowledged batches are a prefix.
              acknowledged++;
              if (acknowledged === KILL_AFTER) resolve();
              inFlight.delete(send);
            });
            inFlight.add(send);
          }
          await Promise.race(inFlight);
        }
      } catch (err) {
        await Promise.allSettled(inFlight);
        return err;
      }
    })();
    await enough;
    const status = await server.kill("SIGKILL");
    assert.equal(status?.signal, "SIGKILL");
    const failure = await sender;
    assert.ok(
      failure instanceof ConnectionError,
      `sends end with ConnectionError, got ${failure}`,
    );
  }
  assert.ok(acknowledged >= KILL_AFTER);

  await server.restart();
  await using client = await connectRoot(server);
  const messages = await pollAll(client, "crash", "log", 0);
  const expected = acknowledged * BATCH;
  assert.ok(
    messages.length >= expected,
    `${messages.length} messages after restart, ${expected} acknowledged`,
  );
  // Every acknowledged message is there, in order; unacknowledged extras may follow.
  for (let i = 0; i < messages.length; i++) {
    assert.equal(messages[i]!.offset, BigInt(i));
    assert.equal(decoder.decode(messages[i]!.payload), `m${i}`);
  }
});
