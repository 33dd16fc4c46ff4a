/**
 * A full disk, for real: the data directory is a small tmpfs filled up by a filler file. Creates
 * fail cleanly and leave nothing behind, sends fail with a storage code, and after space returns
 * and a crash and restart, every acknowledged message is there and no unacknowledged one is.
 * Needs root (to mount); skipped with a message otherwise.
 * @module
 */

import assert from "node:assert/strict";
import {
  ErrorCode,
  IggyClient,
  IggyError,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import { connectRoot, startServer, type TestServer } from "../_server.ts";
import { runCommand } from "../_run.ts";

const TMPFS_SIZE = "16m";
const SERVER_ENV = {
  IGGY_QUIC_ENABLED: "false",
  IGGY_HTTP_ENABLED: "false",
  IGGY_WEBSOCKET_ENABLED: "false",
  IGGY_SYSTEM_SEGMENT_SIZE: "1048576",
  IGGY_SYSTEM_TOPIC_MAX_SIZE: "unlimited",
};

async function run(cmd: string, args: string[]): Promise<string | undefined> {
  const { code, stderr } = await runCommand([cmd, ...args]);
  return code === 0 ? undefined : stderr.trim();
}

/** Writes `path` until the filesystem is full. */
async function fill(path: string): Promise<void> {
  const chunk = new Uint8Array(64 * 1024);
  const file = await Deno.open(path, { write: true, create: true });
  try {
    for (let size = chunk.length; size > 0; size = size >> 1) {
      try {
        while (true) await file.write(chunk.subarray(0, size));
      } catch (err) {
        if (!String(err).includes("No space left")) throw err;
      }
    }
  } finally {
    file.close();
  }
}

/** The code of `promise`'s rejection; fails when it resolves or rejects with something else. */
async function failureCode(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof IggyError, `expected an IggyError, got ${err}`);
    return err.code;
  }
  assert.fail("expected the command to fail on a full disk");
}

async function pollPayloads(client: IggyClient): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  while (true) {
    const { messages } = await client.pollMessages({
      streamId: "s",
      topicId: "t",
      partitionId: 0,
      strategy: PollingStrategy.offset(BigInt(out.length)),
      count: 1000,
      autoCommit: false,
    });
    if (messages.length === 0) return out;
    out.push(...messages.map((m) => decoder.decode(m.payload)));
  }
}

const OFFSET_TARGET = {
  streamId: "s",
  topicId: "t",
  partitionId: 0,
  consumer: { kind: "consumer" as const, id: 1 },
};

async function usernames(client: IggyClient): Promise<string[]> {
  return (await client.getUsers()).map((u) => u.username).sort();
}

/** Logs in as `username` (no reconnecting: a refused login must reject). */
function loginAs(
  server: TestServer,
  username: string,
  password: string,
): Promise<IggyClient> {
  return IggyClient.connect({
    ...server.tcp,
    username,
    password,
    reconnect: false,
  });
}

async function entries(path: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(path))).map((e) => e.name).sort();
}

Deno.test({
  name:
    "a full disk: creates leave nothing behind, sends fail, acknowledged data survives a restart",
  sanitizeResources: false, // the harness's child process pipes outlive a SIGKILL briefly
  async fn() {
    if (Deno.uid() !== 0) {
      console.log("skipped: mounting a tmpfs needs root");
      return;
    }
    const mountPoint = await Deno.makeTempDir({ prefix: "iggy_full_" });
    const mountError = await run("mount", [
      "-t",
      "tmpfs",
      "-o",
      `size=${TMPFS_SIZE}`,
      "tmpfs",
      mountPoint,
    ]);
    if (mountError !== undefined) {
      await Deno.remove(mountPoint);
      console.log(`skipped: cannot mount a tmpfs: ${mountError}`);
      return;
    }
    try {
      const dataDir = `${mountPoint}/data`;
      const filler = `${mountPoint}/filler`;
      await Deno.mkdir(dataDir);
      await using server = await startServer({ dataDir, env: SERVER_ENV });
      const acknowledged: string[] = [];
      {
        await using client = await connectRoot(server);
        await client.createStream("s");
        await client.createTopic("s", "t", { partitionsCount: 1 });
        const send = (i: number) =>
          client.sendMessages({
            streamId: "s",
            topicId: "t",
            partitioning: Partitioning.partitionId(0),
            messages: [{ payload: `m${i}-${"p".repeat(1000)}` }],
          });
        let i = 0;
        for (; i < 20; i++) {
          await send(i);
          acknowledged.push(`m${i}`);
        }

        await fill(filler);

        // Sends: the first pages may still take a few; soon every send fails.
        let failures = 0;
        for (; i < 200 && failures < 5; i++) {
          try {
            await send(i);
            acknowledged.push(`m${i}`);
          } catch (err) {
            assert.ok(err instanceof IggyError, `send ${i}: ${err}`);
            assert.equal(err.code, ErrorCode.CannotAppendMessage, `send ${i}`);
            failures++;
          }
        }
        assert.equal(failures, 5, "sends never failed on a full disk");

        // Likewise the metadata log's last page may still hold a few entries: renames to the
        // same name (entries shorter than any create's) fill it until one fails.
        let renames = 0;
        while (true) {
          try {
            await client.updateStream("s", "s");
          } catch (err) {
            assert.ok(err instanceof IggyError, `rename: ${err}`);
            assert.equal(err.code, ErrorCode.CannotUpdateStreamInfo);
            break;
          }
          assert.ok(++renames < 500, "metadata changes never failed");
        }

        const streamsBefore = await entries(`${dataDir}/streams`);
        const topicsBefore = await entries(`${dataDir}/streams/0/topics`);
        const partitionsBefore = await entries(
          `${dataDir}/streams/0/topics/0/partitions`,
        );
        assert.equal(
          await failureCode(client.createStream("s2")),
          ErrorCode.CannotCreateStream,
        );
        assert.equal(
          await failureCode(
            client.createTopic("s", "t2", { partitionsCount: 3 }),
          ),
          ErrorCode.CannotCreateTopic,
        );
        assert.equal(
          await failureCode(
            client.createPartitions({
              streamId: "s",
              topicId: "t",
              partitionsCount: 2,
            }),
          ),
          ErrorCode.CannotCreatePartition,
        );

        assert.equal(
          await failureCode(client.createUser("ghost", "secret-1")),
          ErrorCode.CannotAppendToFile,
        );
        assert.equal(
          await failureCode(
            client.storeConsumerOffset({ ...OFFSET_TARGET, offset: 3n }),
          ),
          ErrorCode.CannotWriteToFile,
        );

        // Nothing behind: neither in the answers nor in the live tree.
        assert.deepEqual(await usernames(client), ["iggy"]);
        await assert.rejects(loginAs(server, "ghost", "secret-1"));
        assert.equal(await client.getConsumerOffset(OFFSET_TARGET), undefined);
        assert.deepEqual(
          (await client.getStreams()).map((s) => s.name),
          ["s"],
        );
        assert.deepEqual(
          (await client.getTopics("s")).map((t) => t.name),
          ["t"],
        );
        assert.equal((await client.getTopic("s", "t"))?.partitionsCount, 1);
        assert.deepEqual(await entries(`${dataDir}/streams`), streamsBefore);
        assert.deepEqual(
          await entries(`${dataDir}/streams/0/topics`),
          topicsBefore,
        );
        assert.deepEqual(
          await entries(`${dataDir}/streams/0/topics/0/partitions`),
          partitionsBefore,
        );
        // Reads still work on a full disk.
        assert.deepEqual(
          (await pollPayloads(client)).map((p) => p.split("-")[0]),
          acknowledged,
        );
      }

      // Each failure is one WARN line, without a stack.
      const log = server.stderr();
      assert.match(log, /WARN.*No space left on device/);
      assert.doesNotMatch(log, /^\s+at /m, "no stack trace in the log");
      assert.doesNotMatch(log, /ERROR/, "a full disk is no server error");

      await Deno.remove(filler);
      await server.kill("SIGKILL");
      await server.restart();

      await using client = await connectRoot(server);
      assert.deepEqual(
        (await pollPayloads(client)).map((p) => p.split("-")[0]),
        acknowledged,
        "exactly the acknowledged messages, in order",
      );
      console.log(
        `disk full: ${acknowledged.length} messages acknowledged (${
          acknowledged.length - 20
        } after the fill), all back after the restart, none unacknowledged`,
      );
      assert.deepEqual((await client.getStreams()).map((s) => s.name), ["s"]);
      assert.deepEqual(await usernames(client), ["iggy"]);
      assert.equal(await client.getConsumerOffset(OFFSET_TARGET), undefined);
      // With space back, the same creates succeed at the ids the failed ones would have had.
      const stream = await client.createStream("s2");
      assert.equal(stream.id, 1);
      const topic = await client.createTopic("s", "t2", { partitionsCount: 3 });
      assert.equal(topic.id, 1);
      assert.equal(topic.messagesCount, 0n);
      await client.createPartitions({
        streamId: "s",
        topicId: "t",
        partitionsCount: 2,
      });
      assert.equal((await client.getTopic("s", "t"))?.partitionsCount, 3);
      await client.createUser("ghost", "secret-1");
      await (await loginAs(server, "ghost", "secret-1")).close();
      await client.storeConsumerOffset({ ...OFFSET_TARGET, offset: 3n });
      assert.equal(
        (await client.getConsumerOffset(OFFSET_TARGET))?.storedOffset,
        3n,
      );
    } finally {
      const unmountError = await run("umount", ["-l", mountPoint]);
      if (unmountError === undefined) await Deno.remove(mountPoint);
      else console.log(`cannot unmount ${mountPoint}: ${unmountError}`);
    }
  },
});
