/**
 * Start-up reconciliation on the real server: directories no metadata entry names go to the
 * trash, missing ones come back empty (logged), and the start never fails for either.
 * @module
 */

import assert from "node:assert/strict";
import {
  Consumer,
  type IggyClient,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { connectRoot, startServer } from "../_server.ts";
import { runCommand } from "../_run.ts";
import { withTempDir } from "../_temp_dir.ts";
import { FaultControl } from "../server/state/_faults.ts";
import { waitForEmptyTrash } from "./_crash.ts";

/** Only the TCP listener: the tests below need no other. */
const TCP_ONLY = {
  IGGY_QUIC_ENABLED: "false",
  IGGY_HTTP_ENABLED: "false",
  IGGY_WEBSOCKET_ENABLED: "false",
};

async function countMessages(
  client: IggyClient,
  streamId: string,
  topicId: string,
  partitionId: number,
): Promise<number> {
  const { messages } = await client.pollMessages({
    streamId,
    topicId,
    partitionId,
    strategy: PollingStrategy.offset(0n),
    count: 1000,
    autoCommit: false,
  });
  return messages.length;
}

/** Creates stream `streamId` with topic "t" of `partitions` partitions, 10 messages in each. */
async function createFilledTopic(
  client: IggyClient,
  streamId: string,
  partitions: number,
): Promise<void> {
  await client.createStream(streamId);
  await client.createTopic(streamId, "t", { partitionsCount: partitions });
  for (let partitionId = 0; partitionId < partitions; partitionId++) {
    await client.sendMessages({
      streamId,
      topicId: "t",
      partitioning: Partitioning.partitionId(partitionId),
      messages: Array.from({ length: 10 }, (_, i) => ({ payload: `m${i}` })),
    });
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  const { code, stderr } = await runCommand(["cp", "-a", from, to]);
  assert.equal(code, 0, stderr);
}

Deno.test("the server start reconciles disk with metadata: orphans to the trash, missing recreated empty", async () => {
  await using server = await startServer({ env: TCP_ONLY });
  const live = `${server.dataDir}/streams/0/topics/0/partitions`;
  {
    await using client = await connectRoot(server);
    await createFilledTopic(client, "keep", 2);
  }
  await server.kill("SIGKILL");

  // Leftovers no entry names, each holding real data: a stream, a topic, a partition.
  await Deno.mkdir(`${server.dataDir}/streams/1/topics/0/partitions`, {
    recursive: true,
  });
  await copyTree(
    `${live}/0`,
    `${server.dataDir}/streams/1/topics/0/partitions/0`,
  );
  await Deno.mkdir(`${server.dataDir}/streams/0/topics/1/partitions`, {
    recursive: true,
  });
  await copyTree(
    `${live}/0`,
    `${server.dataDir}/streams/0/topics/1/partitions/0`,
  );
  await copyTree(`${live}/0`, `${live}/2`);
  // An offset stored by a consumer group the metadata does not know (its delete was cut short).
  await Deno.mkdir(`${live}/0/offsets/groups`, { recursive: true });
  await Deno.writeFile(
    `${live}/0/offsets/groups/0`,
    new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0]),
  );
  // And an entry whose directory is gone.
  await Deno.remove(`${live}/1`, { recursive: true });

  await server.restart();
  const log = server.stderr();
  assert.match(log, /Orphan stream directory moved to the trash/);
  assert.match(log, /Orphan topic directory moved to the trash/);
  assert.match(log, /Orphan partition directory moved to the trash/);
  assert.match(log, /Missing partition directory recreated empty/);
  assert.match(log, /Stored offset of a deleted consumer group removed/);
  await waitForEmptyTrash(server.dataDir, "after the restart");

  await using client = await connectRoot(server);
  assert.equal(await countMessages(client, "keep", "t", 0), 10);
  assert.equal(await countMessages(client, "keep", "t", 1), 0);
  // Creates at the ids the leftovers had start empty.
  const stream = await client.createStream("fresh");
  assert.equal(stream.id, 1);
  await client.createTopic("fresh", "t", { partitionsCount: 1 });
  assert.equal(await countMessages(client, "fresh", "t", 0), 0);
  const topic = await client.createTopic("keep", "u", { partitionsCount: 1 });
  assert.equal(topic.id, 1);
  assert.equal(await countMessages(client, "keep", "u", 0), 0);
  await client.createPartitions({
    streamId: "keep",
    topicId: "t",
    partitionsCount: 1,
  });
  assert.equal(await countMessages(client, "keep", "t", 2), 0);
  const group = await client.createConsumerGroup({
    streamId: "keep",
    topicId: "t",
    name: "g",
  });
  assert.equal(group.id, 0);
  assert.equal(
    await client.getConsumerOffset({
      streamId: "keep",
      topicId: "t",
      partitionId: 0,
      consumer: Consumer.group("g"),
    }),
    undefined,
  );
});

Deno.test("a create never adopts what a delete left: the leftover goes to the trash, logged once", async () => {
  await withTempDir(async (dir) => {
    const faults = new FaultControl(dir);
    await using server = await startServer({
      env: { ...TCP_ONLY, IGGY_TEST_FAULTS: faults.path },
    });
    await using client = await connectRoot(server);
    await createFilledTopic(client, "old", 1);

    // The delete is committed by its entry; the move to the trash fails and only warns, so the
    // old directory stays in the live tree under the id the next create reuses.
    const { code, fired } = await faults.during(
      { op: "rename", nth: 1, path: "/trash/", error: "EIO" },
      () => client.deleteStream("old"),
    );
    assert.equal(code, 0, "the committed delete is answered as done");
    assert.equal(fired.length, 1);
    assert.match(server.stderr(), /WARN.*Cannot move a deleted directory/);
    assert.equal(await client.getStream("old"), undefined);
    await Deno.stat(`${server.dataDir}/streams/0/topics/0/partitions/0`);

    const stream = await client.createStream("new");
    assert.equal(stream.id, 0, "the new stream reuses the deleted id");
    await client.createTopic("new", "t", { partitionsCount: 1 });
    assert.equal(await countMessages(client, "new", "t", 0), 0);
    const moved = server.stderr().match(/Leftover directory at a fresh id/g);
    assert.equal(moved?.length, 1, "the leftover is logged once");
    await waitForEmptyTrash(server.dataDir, "after the restart");
  });
});

Deno.test("a data directory holding streams but no metadata is refused, naming both, and left as it was", async () => {
  await using server = await startServer({ env: TCP_ONLY });
  {
    await using client = await connectRoot(server);
    await createFilledTopic(client, "keep", 1);
  }
  await server.kill("SIGTERM");
  const state = `${server.dataDir}/state`;
  const lost = `${server.dataDir}/state-lost`; // not a place the server reads
  await Deno.rename(state, lost);
  try {
    await assert.rejects(
      () => server.restart(),
      (err: Error) =>
        err.message.includes(`${state}/metadata.json`) &&
        err.message.includes(`"${server.dataDir}"`) &&
        err.message.includes("--fresh") &&
        !/^\s+at /m.test(err.message), // one line, no stack
    );
    // Nothing was moved: the stream's directory is where it was, the trash holds nothing.
    assert.ok((await Deno.stat(`${server.dataDir}/streams/0`)).isDirectory);
    assert.deepEqual(
      await Array.fromAsync(Deno.readDir(`${server.dataDir}/trash`)).catch(
        () => [],
      ),
      [],
    );
  } finally {
    await Deno.remove(state, { recursive: true }).catch(() => {});
    await Deno.rename(lost, state);
  }
  // With the metadata back, everything is there.
  await server.restart();
  {
    await using client = await connectRoot(server);
    assert.equal(await countMessages(client, "keep", "t", 0), 10);
  }
  // A data directory without streams starts without metadata (a fresh start).
  await server.kill("SIGTERM");
  await Deno.remove(state, { recursive: true });
  await Deno.remove(`${server.dataDir}/streams`, { recursive: true });
  await server.restart();
  await using client = await connectRoot(server);
  assert.deepEqual(await client.getStreams(), []);
});
