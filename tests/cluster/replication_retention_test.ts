/**
 * Retention and segment deletes on replicated partitions (issue 17) with real nodes and a real
 * etcd: 3 nodes, replication factor 3, segments of 1 KiB (each batch below seals one). Only the
 * leader deletes (DeleteSegments, message expiry); its followers drop what it dropped, a follower
 * that was away while the leader deleted past its log end starts its log again at the leader's
 * first offset (also one whose log is empty), and every copy ends with the leader's segments,
 * byte for byte. Polls then return contiguous offsets from the retained start.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CompressionAlgorithm,
  Partitioning,
  PollingStrategy,
} from "../../mod.ts";
import type { TestServer } from "../_server.ts";
import { ETCD_BIN } from "./_etcd.ts";
import { eventually } from "./_cluster.ts";
import {
  allInSync,
  assignment,
  createReplicatedTopic,
  identicalCopies,
  logFiles,
  NAMES,
  NodeClients,
  readAll,
  withReplicatedCluster,
} from "./_replicated.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Segment starts of the partition's copy on `node`, oldest first. */
async function segmentStarts(node: TestServer): Promise<bigint[]> {
  return [...(await logFiles(node)).keys()]
    .map((name) => BigInt(name.slice(0, name.indexOf("."))))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True once `node`'s copy has exactly the segments starting at `starts`. */
async function hasSegments(
  node: TestServer,
  starts: bigint[],
): Promise<true | undefined> {
  const have = await segmentStarts(node);
  return have.join() === starts.join() ? true : undefined;
}

/** Pauses `node` (SIGSTOP) while `fn` runs, then lets it go on (SIGCONT). */
async function whilePaused(
  node: TestServer,
  fn: () => Promise<void>,
): Promise<void> {
  Deno.kill(node.pid!, "SIGSTOP");
  try {
    await fn();
  } finally {
    Deno.kill(node.pid!, "SIGCONT");
  }
}

Deno.test({
  name:
    "replication factor 3: expiry and DeleteSegments delete the same segments on every copy; a follower behind the leader's start (paused, or killed with its log wiped) catches up",
  ignore: ETCD_BIN === undefined,
  fn: () =>
    withReplicatedCluster(async ({ etcd, nodes }) => {
      const clients = new NodeClients(nodes);
      const clientOf = (name: string) => clients.of(name);
      try {
        await createReplicatedTopic(await clientOf("n1"));
        const { leader } = await assignment(etcd);
        const [f1, f2] = NAMES.filter((n) => n !== leader) as [string, string];
        const node = (name: string) => nodes[NAMES.indexOf(name)]!;
        const all = [leader, f1, f2].map(node);
        const sent: string[] = [];
        /** Sends batches of `size` messages of 100 B to the leader (10 seal a segment). */
        const send = async (batches: number, size = 10) => {
          const client = await clientOf(leader);
          for (let b = 0; b < batches; b++) {
            const messages = [];
            for (let i = 0; i < size; i++) {
              const payload = `m${sent.length}`;
              sent.push(payload);
              messages.push({ payload: payload.padEnd(100, ".") });
            }
            await client.sendMessages({
              streamId: "s",
              topicId: "t",
              partitioning: Partitioning.partitionId(0),
              messages,
            });
          }
        };
        // Through the leader: applied there when it answers (before the next send seals one).
        // Every field given: the SDK reads none through GetTopic (which asks the paused node
        // for its figures).
        const setExpiry = async (messageExpiry: bigint) =>
          await (await clientOf(leader)).updateTopic({
            streamId: "s",
            topicId: "t",
            name: "t",
            compressionAlgorithm: CompressionAlgorithm.None,
            messageExpiry,
            maxTopicSize: 0n,
            replicationFactor: 3,
          });
        const starts = () => segmentStarts(node(leader));
        const identical = (what: string) =>
          eventually(what, () => identicalCopies(all), 20_000);

        await send(6);
        await identical("six sealed segments on every copy");
        assert.deepEqual(await starts(), [0n, 10n, 20n, 30n, 40n, 50n, 60n]);

        // (c) DeleteSegments, proposed through a follower, while the other follower is paused
        // (behind: it misses two segments and the command).
        await whilePaused(node(f2), async () => {
          await send(2);
          await (await clientOf(f1)).deleteSegments({
            streamId: "s",
            topicId: "t",
            partitionId: 0,
            segmentsCount: 3,
          });
          const left = [30n, 40n, 50n, 60n, 70n, 80n];
          await eventually(
            "the leader and the running follower without the three oldest segments",
            async () =>
              await hasSegments(node(leader), left) &&
              await hasSegments(node(f1), left),
          );
        });
        await identical("the paused follower with the leader's segments");
        assert.deepEqual(await starts(), [30n, 40n, 50n, 60n, 70n, 80n]);

        // (a) Message expiry: every sealed segment is older than 1 µs, the active one stays.
        await send(1, 3);
        await setExpiry(1n);
        await eventually(
          "expired segments deleted on the leader",
          async () => await hasSegments(node(leader), [80n]),
        );
        await identical("expired segments deleted on every copy");

        // (b) A paused follower misses three segments that the leader's retention deletes; its
        // log ends (at 83) below the leader's first offset when it comes back.
        await whilePaused(node(f1), async () => {
          await send(3);
          await eventually(
            "the leader's retention past the paused follower's end",
            async () => await hasSegments(node(leader), [113n]),
          );
          await setExpiry(U64_MAX);
          await send(2);
          await send(1, 3);
          await eventually(
            "the paused follower out of the in-sync set",
            async () =>
              (await assignment(etcd)).inSync.includes(f1) ? undefined : true,
          );
        });
        await allInSync(etcd);
        await identical("the resumed follower with the leader's segments");
        assert.deepEqual(await starts(), [113n, 123n, 133n]);

        // The other follower is killed, its copy wiped (an empty log), the leader deletes a
        // segment meanwhile: it comes back below the leader's first offset, from nothing.
        clients.forget(f2);
        await node(f2).kill("SIGKILL");
        const dir = join(
          node(f2).dataDir,
          ...["streams", "0", "topics", "0", "partitions", "0"],
        );
        for await (const entry of Deno.readDir(dir)) {
          if (/\.(log|index)$/.test(entry.name)) {
            await Deno.remove(join(dir, entry.name));
          }
        }
        await (await clientOf(leader)).deleteSegments({
          streamId: "s",
          topicId: "t",
          partitionId: 0,
          segmentsCount: 1,
        });
        await eventually(
          "the leader without its oldest segment",
          async () => await hasSegments(node(leader), [123n, 133n]),
        );
        await node(f2).restart();
        await allInSync(etcd);
        await identical("the wiped follower with the leader's segments");

        // (d) Through every node, polls start at the retained start, at contiguous offsets.
        const start = 123n;
        for (const name of NAMES) {
          const client = await clientOf(name);
          const stored = await readAll(client, 0n);
          assert.deepEqual(
            stored.map((m) => m.offset),
            sent.slice(Number(start)).map((_, i) => start + BigInt(i)),
            `offsets through ${name}`,
          );
          assert.deepEqual(
            stored.map((m) => m.payload.replace(/\.+$/, "")),
            sent.slice(Number(start)),
          );
          const first = await client.pollMessages({
            streamId: "s",
            topicId: "t",
            partitionId: 0,
            strategy: PollingStrategy.first(),
            count: 1,
            autoCommit: false,
          });
          assert.equal(first.messages[0]?.offset, start);
        }

        // A purge proposed through a follower while the leader is paused: the followers purge
        // first and fetch from 0 while the leader's log still starts at 123.
        await whilePaused(node(leader), async () => {
          await (await clientOf(f1)).purgeTopic("s", "t");
        });
        // A send the leader took before it applied the purge would be purged with the rest.
        await eventually(
          "the leader purged",
          async () => await hasSegments(node(leader), [0n]),
        );
        sent.length = 0;
        await send(3);
        await identical("the purged copies");
        assert.deepEqual(await starts(), [0n, 10n, 20n, 30n]);
        const purged = await readAll(await clientOf(f2), 0n);
        assert.deepEqual(
          purged.map((m) => m.payload.replace(/\.+$/, "")),
          sent,
        );
      } finally {
        await clients.close();
      }
    }, {
      IGGY_SYSTEM_SEGMENT_SIZE: "1 KiB",
      IGGY_DATA_MAINTENANCE_MESSAGES_INTERVAL: "100ms",
    }),
});
