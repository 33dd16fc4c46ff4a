/**
 * Shared by the kill -9 tests of deletes: a template data directory holding one partition of
 * thousands of one-message segments, copied per run onto a RAM disk where there is one, and a
 * way to kill the server a given time after sending a command.
 * @module
 */

import assert from "node:assert/strict";
import { type IggyClient, Partitioning, PollingStrategy } from "../../mod.ts";
import { connectRoot, startServer, type TestServer } from "../_server.ts";
import { runCommand } from "../_run.ts";

/** Smallest segment size the config accepts: every one-message batch below fills a segment. */
const SEGMENT_SIZE = 512;

/** Server settings of every crash run (TCP only, tiny segments). */
const CRASH_SERVER_ENV: Record<string, string> = {
  IGGY_SYSTEM_SEGMENT_SIZE: String(SEGMENT_SIZE),
  IGGY_SYSTEM_TOPIC_MAX_SIZE: "unlimited",
  IGGY_QUIC_ENABLED: "false",
  IGGY_HTTP_ENABLED: "false",
  IGGY_WEBSOCKET_ENABLED: "false",
};

/**
 * Makes `<root>/template`, a data directory holding stream 0 "big", topic 0 "t" of `partitions`
 * partitions (default 1), each of `segments` segments of one message each (payload: the
 * message's offset, padded to a segment).
 * @returns the template's path
 */
export async function buildTemplate(
  root: string,
  segments: number,
  partitions = 1,
): Promise<string> {
  const dataDir = `${root}/template`;
  await Deno.mkdir(dataDir);
  await using server = await startServer({ dataDir, env: CRASH_SERVER_ENV });
  await using client = await connectRoot(server);
  await client.createStream("big");
  await client.createTopic("big", "t", { partitionsCount: partitions });
  const sends: Promise<void>[] = [];
  for (let i = 0; i < segments; i++) {
    for (let partitionId = 0; partitionId < partitions; partitionId++) {
      sends.push(client.sendMessages({
        streamId: "big",
        topicId: "t",
        partitioning: Partitioning.partitionId(partitionId),
        messages: [{ payload: String(i).padEnd(SEGMENT_SIZE, ".") }],
      }));
    }
    if (sends.length >= 100) await Promise.all(sends.splice(0));
  }
  await Promise.all(sends);
  const topic = await client.getTopic("big", "t");
  assert.equal(topic?.messagesCount, BigInt(segments * partitions));
  for (const partition of topic?.partitions ?? []) {
    assert.ok(
      partition.segmentsCount >= segments,
      `expected ${segments} segments, got ${partition.segmentsCount}`,
    );
  }
  return dataDir;
}

/** Bytes in the metadata log of `dataDir` (0 when there is none): it grows by each change. */
export async function metadataLogSize(dataDir: string): Promise<number> {
  try {
    return (await Deno.stat(`${dataDir}/state/metadata.log`)).size;
  } catch {
    return 0;
  }
}

/** The offsets of a partition (default 0), in order, each checked against its payload. */
export async function readOffsets(
  client: IggyClient,
  streamId: string,
  topicId: string,
  partitionId = 0,
): Promise<bigint[]> {
  const out: bigint[] = [];
  const decoder = new TextDecoder();
  let next = 0n;
  while (true) {
    const { messages } = await client.pollMessages({
      streamId,
      topicId,
      partitionId,
      strategy: PollingStrategy.offset(next),
      count: 1000,
      autoCommit: false,
    });
    if (messages.length === 0) return out;
    for (const m of messages) {
      const payload = decoder.decode(m.payload).replace(/\.+$/, "");
      assert.equal(
        payload,
        String(m.offset),
        "a message is whole and in place",
      );
      out.push(m.offset);
    }
    next = messages[messages.length - 1]!.offset + 1n;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` in a temp directory on a RAM disk where there is one (thousands of small files are
 * copied per run; a SIGKILL tests a process crash, which a RAM disk models as well as any disk).
 */
export async function withCrashRoot(
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({
    prefix: "iggy_test_",
    dir: await isDirectory("/dev/shm") ? "/dev/shm" : undefined,
  });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Copies the template data directory into a fresh `dataDir` and starts a server on the copy. */
export async function startFromTemplate(
  template: string,
  dataDir: string,
): Promise<TestServer> {
  await Deno.mkdir(dataDir);
  const { code, stderr } = await runCommand([
    "cp",
    "-a",
    `${template}/.`,
    dataDir,
  ]);
  assert.equal(code, 0, stderr);
  return startServer({ dataDir, env: CRASH_SERVER_ENV });
}

/** When to kill: milliseconds after sending, or as soon as a condition holds (polled every ms). */
export type KillMoment = number | (() => Promise<boolean>);

async function reach(moment: KillMoment): Promise<void> {
  if (typeof moment === "number") {
    await new Promise((resolve) => setTimeout(resolve, moment));
    return;
  }
  const deadline = performance.now() + 20_000;
  while (!await moment()) {
    if (performance.now() > deadline) assert.fail("the kill moment never came");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Sends a command, kills the server with SIGKILL at `moment`, and restarts it.
 * @returns whether the command was answered with success before the kill
 */
export async function killDuring(
  server: TestServer,
  command: (client: IggyClient) => Promise<unknown>,
  moment: KillMoment,
): Promise<boolean> {
  let acknowledged = false;
  const client = await connectRoot(server);
  const pending = command(client).then(
    () => acknowledged = true,
    () => {}, // the kill may cut the answer off
  );
  await reach(moment);
  await server.kill("SIGKILL");
  await pending;
  await client.close().catch(() => {});
  await server.restart();
  return acknowledged;
}

/** The names in the trash of `dataDir` (none when it does not exist yet). */
export async function trashEntries(dataDir: string): Promise<string[]> {
  const entries = await Array.fromAsync(Deno.readDir(`${dataDir}/trash`))
    .catch(() => []);
  return entries.map((e) => e.name);
}

/** Polls until the trash of `dataDir` is empty (reclaimed in the background after the restart). */
export async function waitForEmptyTrash(
  dataDir: string,
  label: string,
): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (true) {
    const left = await trashEntries(dataDir);
    if (left.length === 0) return;
    if (performance.now() > deadline) {
      assert.fail(`${label}: the trash still holds ${left.length} entries`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
