import assert from "node:assert/strict";
import { join } from "node:path";
import { Partition } from "../../../server/domain/partition.ts";
import { Topic } from "../../../server/domain/topic.ts";
import {
  enforceRetention,
  enforceTopicRetention,
  retentionPolicy,
} from "../../../server/domain/retention.ts";
import { initHashing } from "../../../server/storage/stamp.ts";
import { buildSection } from "../../storage/_frames.ts";

await initHashing();

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const NEVER = { messageExpiry: U64_MAX, maxTopicSize: U64_MAX };
const T0 = 1_700_000_000_000_000n;

async function withTopic(
  settings: { messageExpiry: bigint; maxTopicSize: bigint },
  partitions: number,
  fn: (topic: Topic) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  const topic = new Topic(0, T0, {
    name: "t",
    compressionAlgorithm: 1,
    replicationFactor: 1,
    ...settings,
  });
  try {
    for (let i = 0; i < partitions; i++) {
      topic.partitions.push(
        await Partition.open(join(root, `${i}`), i, T0, {
          segmentSize: 1000,
          enforceFsync: false,
          validateChecksum: false,
          logger: () => {},
        }),
      );
    }
    await fn(topic);
  } finally {
    for (const p of topic.partitions) await p.log.close();
    await Deno.remove(root, { recursive: true });
  }
}

/** Appends one 4-message batch (416 bytes) at time `ts`; 3 batches fill a 1000-byte segment. */
async function append(partition: Partition, ts: bigint): Promise<void> {
  await partition.appendMessages(
    buildSection(4, {
      payload: () => new TextEncoder().encode("x".repeat(40)),
    }),
    4,
    ts,
  );
}

/**
 * Seven batches to each of `a` and `b`, in turn, at T0, T0 + 1, ...: each gets 2 sealed
 * segments of 1248 bytes and an active one of 416 (2912 bytes; 5824 together).
 * @returns the next timestamp
 */
async function fillBoth(a: Partition, b: Partition): Promise<bigint> {
  let ts = T0;
  for (let i = 0; i < 7; i++) {
    await append(a, ts++);
    await append(b, ts++);
  }
  return ts;
}

Deno.test("retentionPolicy() resolves 0 to the server default and u64::MAX to none", () => {
  assert.deepEqual(
    retentionPolicy({ messageExpiry: 0n, maxTopicSize: 0n }, {
      messageExpiry: 5n,
      maxTopicSize: 6n,
    }),
    { expiry: 5n, maxSize: 6n },
  );
  assert.deepEqual(
    retentionPolicy({ messageExpiry: 0n, maxTopicSize: 0n }, NEVER),
    { expiry: undefined, maxSize: undefined },
    "0 with unlimited defaults never deletes everything",
  );
  assert.deepEqual(
    retentionPolicy({ messageExpiry: U64_MAX, maxTopicSize: 7n }, {
      messageExpiry: 5n,
      maxTopicSize: 6n,
    }),
    { expiry: undefined, maxSize: 7n },
  );
});

Deno.test("enforceTopicRetention() deletes expired sealed segments and keeps the active one", async () => {
  await withTopic(
    { messageExpiry: 100n, maxTopicSize: U64_MAX },
    1,
    async (topic) => {
      const p = topic.partitions[0]!;
      for (let b = 0n; b < 10n; b++) await append(p, T0 + b * 10n);
      // segments: 0 (newest at +20), 12 (+50), 24 (+80), 36 (active, +90)
      assert.equal(p.log.segmentsCount, 4);
      let r = await enforceTopicRetention(topic, NEVER, T0 + 140n);
      assert.deepEqual(r, { expiredSegments: 1, oversizeSegments: 0 });
      assert.equal(p.log.firstOffset, 12n);
      r = await enforceTopicRetention(topic, NEVER, T0 + 10_000n);
      assert.equal(r.expiredSegments, 2);
      assert.equal(
        p.log.segmentsCount,
        1,
        "the active segment stays although expired",
      );
      assert.equal(p.log.firstOffset, 36n);
      assert.equal(p.log.nextOffset, 40n, "offsets are not renumbered");
      const read = await p.readMessages(0n, 100);
      assert.equal(read.firstOffset, 36n);
      assert.equal(read.count, 4);
    },
  );
});

Deno.test("enforceTopicRetention() with expiry 0 uses the server default", async () => {
  await withTopic({ messageExpiry: 0n, maxTopicSize: 0n }, 1, async (topic) => {
    const p = topic.partitions[0]!;
    for (let b = 0n; b < 4n; b++) await append(p, T0 + b);
    assert.deepEqual(
      await enforceTopicRetention(topic, NEVER, T0 + 10n ** 15n),
      { expiredSegments: 0, oversizeSegments: 0 },
      "never with an unlimited default",
    );
    const r = await enforceTopicRetention(topic, {
      ...NEVER,
      messageExpiry: 5n,
    }, T0 + 10n);
    assert.equal(r.expiredSegments, 1);
  });
});

Deno.test("enforceTopicRetention() deletes the oldest sealed segments across partitions while over the size", async () => {
  await withTopic(
    { messageExpiry: U64_MAX, maxTopicSize: 3000n },
    2,
    async (topic) => {
      const [a, b] = topic.partitions as [Partition, Partition];
      const ts = await fillBoth(a, b);
      assert.equal(topic.sizeBytes, 5824n);
      const r = await enforceTopicRetention(topic, NEVER, ts);
      assert.deepEqual(r, { expiredSegments: 0, oversizeSegments: 3 });
      assert.ok(topic.sizeBytes <= 3000n, `size ${topic.sizeBytes}`);
      // a's first segment (oldest), then b's first, then a's second
      assert.equal(a.log.firstOffset, 24n);
      assert.equal(b.log.firstOffset, 12n);
    },
  );
});

Deno.test("enforceRetention() reports a failing topic and goes on", async () => {
  await withTopic(
    { messageExpiry: 1n, maxTopicSize: U64_MAX },
    1,
    async (good) => {
      for (let b = 0n; b < 4n; b++) await append(good.partitions[0]!, T0);
      await withTopic(
        { messageExpiry: 1n, maxTopicSize: U64_MAX },
        1,
        async (bad) => {
          for (let b = 0n; b < 4n; b++) await append(bad.partitions[0]!, T0);
          await bad.partitions[0]!.log.close();
          const failed: Topic[] = [];
          const r = await enforceRetention([bad, good], {
            defaults: NEVER,
            now: T0 + 100n,
            onError: (topic) => failed.push(topic),
          });
          assert.deepEqual(failed, [bad]);
          assert.equal(r.expiredSegments, 1);
        },
      );
    },
  );
});

Deno.test("enforceRetention() cleans only the partitions partitionsOf() names, and counts their size only", async () => {
  await withTopic(
    { messageExpiry: U64_MAX, maxTopicSize: 3000n },
    2,
    async (topic) => {
      const [led, copy] = topic.partitions as [Partition, Partition];
      const ts = await fillBoth(led, copy);
      const options = { defaults: NEVER, partitionsOf: () => [led] };
      // The led partition alone (2912 bytes) is within 3000: nothing is deleted.
      let r = await enforceRetention([topic], { ...options, now: ts });
      assert.deepEqual(r, { expiredSegments: 0, oversizeSegments: 0 });
      // Expiry deletes the led partition's sealed segments and leaves the other's copy alone.
      topic.settings.messageExpiry = 1n;
      r = await enforceRetention([topic], { ...options, now: ts + 100n });
      assert.deepEqual(r, { expiredSegments: 2, oversizeSegments: 0 });
      assert.equal(led.log.firstOffset, 24n);
      assert.equal(copy.log.firstOffset, 0n);
      assert.equal(copy.log.segmentsCount, 3);
    },
  );
});
