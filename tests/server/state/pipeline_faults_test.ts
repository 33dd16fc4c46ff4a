/**
 * Every metadata command, with a storage failure injected at each of its file operations in
 * turn (a real server child process, faults armed through `IGGY_TEST_FAULTS`): a failed command
 * answers its specific error code, leaves memory (as the Get* commands show it) and the data
 * directory as they were, logs one WARN line without a stack; and after a kill -9 and a restart,
 * memory equals what it was before the restart.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  ErrorCode,
  type IggyClient,
  noPermissions,
  Partitioning,
} from "../../../mod.ts";
import { startServer, type TestServer } from "../../_server.ts";
import { withTempDir } from "../../_temp_dir.ts";
import { connect, dumpState, FaultControl } from "./_faults.ts";

/** One metadata command: what it needs first, the call itself, and the code it fails with. */
interface Case {
  name: string;
  code: number;
  setup?: (client: IggyClient, trial: number) => Promise<unknown>;
  act: (client: IggyClient, trial: number) => Promise<unknown>;
  /**
   * Purges and segment deletes: their entry is appended first and the data change follows, so a
   * failure of the data change leaves that entry in the metadata files (memory stays as it was).
   */
  effectAfterAppend?: boolean;
}

const CONSUMER_1 = { kind: "consumer" as const, id: 1 };
/** The topic every fixture has: stream "base", topic "t" (2 partitions, messages in partition 0). */
const BASE_T = { streamId: "base", topicId: "t" };

async function send(
  client: IggyClient,
  streamId: string,
  topicId: string,
  batches = 1,
  partitionId = 0,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await client.sendMessages({
      streamId,
      topicId,
      partitioning: Partitioning.partitionId(partitionId),
      messages: Array.from({ length: 10 }, (_, i) => ({
        payload: `m${b}-${i}`.padEnd(100, "."),
      })),
    });
  }
}

const CASES: Case[] = [
  {
    name: "CreateStream",
    code: ErrorCode.CannotCreateStream,
    act: (c, n) => c.createStream(`cs-${n}`),
  },
  {
    name: "UpdateStream",
    code: ErrorCode.CannotUpdateStreamInfo,
    setup: (c, n) => c.createStream(`us-${n}`),
    act: (c, n) => c.updateStream(`us-${n}`, `us-${n}-renamed`),
  },
  {
    name: "DeleteStream",
    code: ErrorCode.CannotDeleteStream,
    setup: async (c, n) => {
      await c.createStream(`ds-${n}`);
      await c.createTopic(`ds-${n}`, "t", { partitionsCount: 2 });
      await send(c, `ds-${n}`, "t");
    },
    act: (c, n) => c.deleteStream(`ds-${n}`),
  },
  {
    name: "PurgeStream",
    effectAfterAppend: true,
    code: ErrorCode.CannotDeleteFile,
    setup: async (c, n) => {
      await c.createStream(`ps-${n}`);
      await c.createTopic(`ps-${n}`, "t", { partitionsCount: 2 });
      for (const partitionId of [0, 1]) {
        await send(c, `ps-${n}`, "t", 1, partitionId);
        await c.storeConsumerOffset({
          streamId: `ps-${n}`,
          topicId: "t",
          partitionId,
          consumer: CONSUMER_1,
          offset: 3n,
        });
      }
    },
    act: (c, n) => c.purgeStream(`ps-${n}`),
  },
  {
    name: "CreateTopic",
    code: ErrorCode.CannotCreateTopic,
    act: (c, n) => c.createTopic("base", `ct-${n}`, { partitionsCount: 2 }),
  },
  {
    name: "UpdateTopic",
    code: ErrorCode.CannotUpdateTopicInfo,
    setup: (c, n) => c.createTopic("base", `ut-${n}`),
    act: (c, n) =>
      c.updateTopic({
        streamId: "base",
        topicId: `ut-${n}`,
        name: `ut-${n}-renamed`,
        messageExpiry: 60_000_000n,
      }),
  },
  {
    name: "DeleteTopic",
    code: ErrorCode.CannotDeleteTopic,
    setup: async (c, n) => {
      await c.createTopic("base", `dt-${n}`, { partitionsCount: 2 });
      await send(c, "base", `dt-${n}`);
    },
    act: (c, n) => c.deleteTopic("base", `dt-${n}`),
  },
  {
    name: "PurgeTopic",
    effectAfterAppend: true,
    code: ErrorCode.CannotDeleteFile,
    setup: async (c, n) => {
      await c.createTopic("base", `pt-${n}`);
      await send(c, "base", `pt-${n}`);
      await c.storeConsumerOffset({
        streamId: "base",
        topicId: `pt-${n}`,
        partitionId: 0,
        consumer: CONSUMER_1,
        offset: 2n,
      });
    },
    act: (c, n) => c.purgeTopic("base", `pt-${n}`),
  },
  {
    name: "CreatePartitions",
    code: ErrorCode.CannotCreatePartition,
    act: (c) =>
      c.createPartitions({
        ...BASE_T,
        partitionsCount: 2,
      }),
  },
  {
    name: "DeletePartitions",
    code: ErrorCode.CannotDeletePartition,
    setup: (c) =>
      c.createPartitions({
        ...BASE_T,
        partitionsCount: 1,
      }),
    act: (c) =>
      c.deletePartitions({
        ...BASE_T,
        partitionsCount: 1,
      }),
  },
  {
    name: "DeleteSegments",
    effectAfterAppend: true,
    code: ErrorCode.CannotDeleteFile,
    setup: async (c, n) => {
      await c.createTopic("base", `seg-${n}`);
      await send(c, "base", `seg-${n}`, 3); // every batch seals a 512 B segment
    },
    act: (c, n) =>
      c.deleteSegments({
        streamId: "base",
        topicId: `seg-${n}`,
        partitionId: 0,
        segmentsCount: 1,
      }),
  },
  {
    name: "CreateConsumerGroup",
    code: ErrorCode.CannotCreateConsumerGroupInfo,
    act: (c, n) =>
      c.createConsumerGroup({
        ...BASE_T,
        name: `cg-${n}`,
      }),
  },
  {
    name: "DeleteConsumerGroup",
    code: ErrorCode.CannotDeleteConsumerGroupInfo,
    setup: (c, n) =>
      c.createConsumerGroup({
        ...BASE_T,
        name: `dg-${n}`,
      }),
    act: (c, n) =>
      c.deleteConsumerGroup({
        ...BASE_T,
        groupId: `dg-${n}`,
      }),
  },
  {
    name: "CreateUser",
    code: ErrorCode.CannotAppendToFile,
    act: (c, n) => c.createUser(`cu-${n}`, "secret-1"),
  },
  {
    name: "UpdateUser",
    code: ErrorCode.CannotAppendToFile,
    setup: (c, n) => c.createUser(`uu-${n}`, "secret-1"),
    act: (c, n) => c.updateUser(`uu-${n}`, { username: `uu-${n}-renamed` }),
  },
  {
    name: "UpdatePermissions",
    code: ErrorCode.CannotChangePermissions,
    setup: (c, n) => c.createUser(`up-${n}`, "secret-1"),
    act: (c, n) => {
      const permissions = noPermissions();
      permissions.global.readStreams = true;
      return c.updatePermissions(`up-${n}`, permissions);
    },
  },
  {
    name: "ChangePassword",
    code: ErrorCode.CannotAppendToFile,
    setup: (c, n) => c.createUser(`cp-${n}`, "secret-1"),
    act: (c, n) =>
      c.changePassword(`cp-${n}`, {
        currentPassword: "secret-1",
        newPassword: "secret-2",
      }),
  },
  {
    name: "DeleteUser",
    code: ErrorCode.CannotDeleteUser,
    setup: (c, n) => c.createUser(`du-${n}`, "secret-1"),
    act: (c, n) => c.deleteUser(`du-${n}`),
  },
  {
    name: "CreatePersonalAccessToken",
    code: ErrorCode.CannotAppendToFile,
    act: (c, n) => c.createPersonalAccessToken(`pat-${n}`),
  },
  {
    name: "DeletePersonalAccessToken",
    code: ErrorCode.CannotAppendToFile,
    setup: (c, n) => c.createPersonalAccessToken(`dpat-${n}`),
    act: (c, n) => c.deletePersonalAccessToken(`dpat-${n}`),
  },
  {
    name: "StoreConsumerOffset",
    code: ErrorCode.CannotWriteToFile,
    act: (c, n) =>
      c.storeConsumerOffset({
        ...BASE_T,
        partitionId: 0,
        consumer: CONSUMER_1,
        offset: BigInt(n % 9),
      }),
  },
  {
    name: "DeleteConsumerOffset",
    code: ErrorCode.CannotDeleteConsumerOffsetFile,
    setup: (c, n) =>
      c.storeConsumerOffset({
        ...BASE_T,
        partitionId: 0,
        consumer: CONSUMER_1,
        offset: BigInt(n % 9),
      }),
    act: (c) =>
      c.deleteConsumerOffset({
        ...BASE_T,
        partitionId: 0,
        consumer: CONSUMER_1,
      }),
  },
];

/**
 * Every path under the data directory (but runtime files and the trash, which is emptied in the
 * background) with the size of each file. Offset directories are left out: they are created on
 * demand and an empty one holds nothing.
 */
async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(path: string): Promise<void> {
    for await (const entry of Deno.readDir(path)) {
      const full = join(path, entry.name);
      const rel = relative(dir, full);
      if (rel === "runtime" || rel === "logs" || rel === "trash") continue;
      if (entry.isDirectory) {
        if (!/(^|\/)(offsets|consumers|groups)$/.test(rel)) out.push(`${rel}/`);
        await walk(full);
      } else out.push(`${rel} ${(await Deno.stat(full)).size}`);
    }
  }
  await walk(dir);
  return out.sort();
}

/** A server whose faults `faults` arms, fsyncing every metadata entry (so fsyncs are steps too). */
function startWithFaults(
  faults: FaultControl,
  env: Record<string, string> = {},
): Promise<TestServer> {
  return startServer({
    env: {
      IGGY_TEST_FAULTS: faults.path,
      IGGY_SYSTEM_STATE_ENFORCE_FSYNC: "true",
      ...env,
    },
  });
}

Deno.test("every metadata command survives a storage failure at each of its steps", async () => {
  await withTempDir(async (dir) => {
    const faults = new FaultControl(dir);
    await using server = await startWithFaults(faults, {
      // Snapshots every few entries, so their steps are hit too.
      IGGY_SYSTEM_STATE_SNAPSHOT_ENTRIES: "5",
      IGGY_SYSTEM_SEGMENT_SIZE: "512",
    });
    let client = await connect(server);
    try {
      await client.createStream("base");
      await client.createTopic("base", "t", { partitionsCount: 2 });
      await send(client, "base", "t");
      const summary: Record<string, number> = {};
      for (const testCase of CASES) {
        let failures = 0;
        for (let trial = 1;; trial++) {
          assert.ok(trial < 40, `${testCase.name}: too many steps`);
          await testCase.setup?.(client, trial);
          const before = await dumpState(client);
          const filesBefore = await listing(server.dataDir);
          const { code, fired } = await faults.during(
            { op: "any", nth: trial, error: trial % 2 ? "ENOSPC" : "EIO" },
            () => testCase.act(client, trial),
          );
          const where = `${testCase.name}, step ${trial} (${
            JSON.stringify(fired)
          })`;
          if (code === 0) {
            if (fired.length === 0) break; // every step has had its failure
            continue; // a failure after the change was durable (snapshot, cleanup): tolerated
          }
          failures++;
          assert.equal(fired.length, 1, `${where}: failed without a fault`);
          assert.equal(code, testCase.code, `${where}: error code`);
          assert.deepEqual(await dumpState(client), before, `${where}: memory`);
          const unchanged = (files: string[]) =>
            testCase.effectAfterAppend
              ? files.filter((f) => !f.startsWith("state/"))
              : files;
          assert.deepEqual(
            unchanged(await listing(server.dataDir)),
            unchanged(filesBefore),
            `${where}: files`,
          );
        }
        assert.ok(failures >= 1, `${testCase.name}: no step could fail`);
        summary[testCase.name] = failures;

        const beforeRestart = await dumpState(client);
        await client.close();
        await server.kill("SIGKILL");
        await server.restart();
        client = await connect(server);
        assert.deepEqual(
          await dumpState(client),
          beforeRestart,
          `${testCase.name}: memory after a restart`,
        );
      }
      console.log("failed steps per command:", summary);
      const log = server.stderr();
      assert.match(log, /WARN.*ENOSPC/);
      assert.match(log, /WARN.*EIO/);
      assert.doesNotMatch(log, /^\s+at /m, "no stack trace in the log");
    } finally {
      await client.close();
    }
  });
});

Deno.test("the fault layer fails the n-th write, fsync, rename, remove or mkdir it is armed for", async () => {
  await withTempDir(async (dir) => {
    const faults = new FaultControl(dir);
    await using server = await startWithFaults(faults);
    await using client = await connect(server);
    await client.createStream("base");
    await client.createTopic("base", "t");
    await send(client, "base", "t");
    const offset = { ...BASE_T, partitionId: 0, consumer: CONSUMER_1 };
    const cases = [
      {
        spec: { op: "write", nth: 1 },
        call: () => client.createUser("writer", "secret-1"),
        code: ErrorCode.CannotAppendToFile,
        path: /metadata\.log$/,
      },
      {
        spec: { op: "fsync", nth: 1 },
        call: () => client.createStream("f"),
        code: ErrorCode.CannotCreateStream,
        path: /metadata\.log$/,
      },
      {
        spec: { op: "rename", nth: 1 },
        call: () => client.storeConsumerOffset({ ...offset, offset: 1n }),
        code: ErrorCode.CannotWriteToFile,
        path: /consumers\/1$/,
      },
      {
        spec: { op: "mkdir", nth: 2 }, // the partition's directory, after the topic's
        call: () => client.createTopic("base", "m"),
        code: ErrorCode.CannotCreateTopic,
        path: /partitions\/0$/,
      },
      {
        spec: { op: "remove", nth: 1, path: "/offsets/" },
        call: () => client.deleteConsumerOffset(offset),
        code: ErrorCode.CannotDeleteConsumerOffsetFile,
        path: /consumers\/1$/,
      },
    ] as const;
    await client.storeConsumerOffset({ ...offset, offset: 2n });
    for (const { spec, call, code, path } of cases) {
      const { code: answered, fired } = await faults.during(
        { ...spec, error: "EIO" },
        call,
      );
      assert.equal(answered, code, spec.op);
      assert.equal(fired.length, 1, spec.op);
      assert.equal(fired[0]!.op, spec.op);
      assert.match(fired[0]!.path, path);
      await call(); // disarmed: the same call goes through
    }
  });
});
