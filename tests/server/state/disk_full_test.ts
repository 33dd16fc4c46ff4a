/**
 * The reproduction of issue 13 ("State that cannot lie"): while every metadata write fails (the
 * fault layer's disk-full mode), CreateStream, CreateTopic, CreateUser and StoreConsumerOffset
 * answer their specific codes and nothing of them exists; when space returns, the same commands
 * succeed without a restart; after a kill -9 the server holds exactly what was acknowledged.
 * Also, with the data directory on a real, full file system (a small tmpfs, when this process may
 * mount one), message appends answer CannotAppendMessage and resume once space is freed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ErrorCode, Partitioning } from "../../../mod.ts";
import { startServer } from "../../_server.ts";
import { codeOf } from "../../_assert.ts";
import { withTempDir } from "../../_temp_dir.ts";
import { connect, FaultControl } from "./_faults.ts";

const OFFSET_TARGET = {
  streamId: "s",
  topicId: "t",
  partitionId: 0,
  consumer: { kind: "consumer" as const, id: 1 },
};

Deno.test("metadata commands on a full disk answer errors, change nothing, and work again when space returns", async () => {
  await withTempDir(async (dir) => {
    const faults = new FaultControl(dir);
    await using server = await startServer({
      env: { IGGY_TEST_FAULTS: faults.path },
    });
    let client = await connect(server);
    await client.createStream("s");
    await client.createTopic("s", "t");
    await client.sendMessages({
      streamId: "s",
      topicId: "t",
      partitioning: Partitioning.partitionId(0),
      messages: [{ payload: "m0" }, { payload: "m1" }],
    });

    // Disk full: every write, fsync, rename, remove and mkdir fails from now on.
    await faults.arm({ op: "any", nth: 1, times: 0, error: "ENOSPC" });
    assert.equal(
      await codeOf(client.createStream("full")),
      ErrorCode.CannotCreateStream,
    );
    assert.equal(
      await codeOf(client.createTopic("s", "full")),
      ErrorCode.CannotCreateTopic,
    );
    assert.equal(
      await codeOf(client.createUser("ghost", "secret-1")),
      ErrorCode.CannotAppendToFile,
    );
    assert.equal(
      await codeOf(
        client.storeConsumerOffset({ ...OFFSET_TARGET, offset: 1n }),
      ),
      ErrorCode.CannotWriteToFile,
    );
    // Nothing of them exists: no stream, no topic to send to, no user to log in as, no offset.
    assert.deepEqual((await client.getStreams()).map((s) => s.name), ["s"]);
    assert.equal(
      await codeOf(client.sendMessages({
        streamId: "s",
        topicId: "full",
        messages: [{ payload: "lost?" }],
      })),
      ErrorCode.TopicIdNotFound,
    );
    assert.equal(
      await codeOf(connect(server, "ghost", "secret-1")),
      ErrorCode.InvalidCredentials,
    );
    assert.equal(await client.getConsumerOffset(OFFSET_TARGET), undefined);

    // Space returns: the same commands work, without a restart.
    await faults.disarm();
    await client.createStream("full");
    await client.createTopic("s", "full");
    await client.createUser("ghost", "secret-1");
    await client.storeConsumerOffset({ ...OFFSET_TARGET, offset: 1n });
    await client.sendMessages({
      streamId: "s",
      topicId: "full",
      messages: [{ payload: "kept" }],
    });
    (await connect(server, "ghost", "secret-1")).close();

    await client.close();
    await server.kill("SIGKILL");
    await server.restart();
    client = await connect(server);
    assert.deepEqual((await client.getStreams()).map((s) => s.name), [
      "s",
      "full",
    ]);
    assert.equal((await client.getTopic("s", "full"))!.messagesCount, 1n);
    assert.equal(
      (await client.getConsumerOffset(OFFSET_TARGET))?.storedOffset,
      1n,
    );
    (await connect(server, "ghost", "secret-1")).close();
    await client.close();
    const warnings = server.stderr().split("\n").filter((l) =>
      l.includes("ENOSPC")
    );
    assert.ok(warnings.length >= 4);
    for (const line of warnings) assert.match(line, /WARN/);
    assert.doesNotMatch(server.stderr(), /^\s+at /m, "no stack trace");
  });
});

/** Mounts a tmpfs of `size` at `dir`; false when this process may not. */
async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

async function unmount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir] }).output();
}

Deno.test("message appends on a full file system answer CannotAppendMessage and resume when space is freed", async (t) => {
  await withTempDir(async (dir) => {
    if (!await mountTmpfs(dir, "4m")) {
      // Needs root (CAP_SYS_ADMIN); the metadata side is covered by the test above.
      await t.step({
        name: "tmpfs mount not permitted",
        ignore: true,
        fn() {},
      });
      return;
    }
    try {
      const filler = join(dir, "filler");
      await Deno.writeFile(filler, new Uint8Array(512 * 1024));
      await using server = await startServer({ dataDir: join(dir, "data") });
      await using client = await connect(server);
      await client.createStream("s");
      await client.createTopic("s", "t");
      const payload = "x".repeat(16 * 1024);
      let acknowledged = 0;
      let code = 0;
      for (let i = 0; i < 1000 && code === 0; i++) {
        code = await codeOf(client.sendMessages({
          streamId: "s",
          topicId: "t",
          partitioning: Partitioning.partitionId(0),
          messages: [{ payload }],
        }));
        if (code === 0) acknowledged++;
      }
      assert.equal(code, ErrorCode.CannotAppendMessage);
      assert.equal(
        (await client.getTopic("s", "t"))!.messagesCount,
        BigInt(acknowledged),
      );
      await Deno.remove(filler); // space returns
      await client.sendMessages({
        streamId: "s",
        topicId: "t",
        partitioning: Partitioning.partitionId(0),
        messages: [{ payload: "after" }],
      });
      const polled = await client.pollMessages({
        streamId: "s",
        topicId: "t",
        partitionId: 0,
        consumer: { kind: "consumer", id: 1 },
        strategy: { kind: "offset", value: 0n },
        count: acknowledged + 1,
      });
      assert.equal(polled.messages.length, acknowledged + 1);
      assert.equal(
        new TextDecoder().decode(polled.messages.at(-1)!.payload),
        "after",
      );
      const lines = server.stderr().split("\n").filter((l) =>
        /ENOSPC|No space/.test(l)
      );
      assert.ok(lines.length >= 1);
      for (const line of lines) assert.match(line, /WARN/);
      assert.doesNotMatch(server.stderr(), /^\s+at /m, "no stack trace");
      await server.kill("SIGTERM");
    } finally {
      await unmount(dir);
    }
  });
});
