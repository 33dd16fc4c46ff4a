/**
 * Deletes that stay deleted: the server is killed (SIGKILL) at varying moments of the delete of
 * a stream of thousands of segments, restarted, and a stream and topic created at the reused ids
 * must be empty.
 * @module
 */

import assert from "node:assert/strict";
import {
  buildTemplate,
  killDuring,
  type KillMoment,
  metadataLogSize,
  readOffsets,
  startFromTemplate,
  trashEntries,
  waitForEmptyTrash,
  withCrashRoot,
} from "./_crash.ts";
import { connectRoot } from "../_server.ts";

const SEGMENTS = 3000;
/** Milliseconds between sending DeleteStream and SIGKILL, one run each. */
const KILL_DELAYS_MS = [0, 5, 20, 60];

Deno.test({
  name:
    "deleteStream() killed at varying moments: a stream and topic at the reused ids start empty",
  sanitizeResources: false, // the harness's child process pipes outlive a SIGKILL briefly
  async fn() {
    await withCrashRoot(async (root) => {
      const template = await buildTemplate(root, SEGMENTS);
      const found: number[] = [];
      const summary: string[] = [];
      // The fixed delays land wherever the machine's load puts them; the last runs kill as soon
      // as the delete's entry is in the metadata log (the delete is committed, its directory may
      // not have moved yet), and as soon as the stream is in the trash, while its files are being
      // reclaimed.
      let logBefore = 0;
      const metadataChanged = async () =>
        await metadataLogSize(dataDir) !== logBefore;
      const moments: { name: string; moment: KillMoment }[] = [
        ...KILL_DELAYS_MS.map((ms) => ({ name: `${ms} ms`, moment: ms })),
        { name: "entry written", moment: metadataChanged },
        {
          name: "trash filled",
          moment: async () => (await trashEntries(dataDir)).length > 0,
        },
      ];
      let dataDir = "";
      for (const [run, { name, moment }] of moments.entries()) {
        const label = `run ${run} (kill at ${name})`;
        dataDir = `${root}/run-${run}`;
        await using server = await startFromTemplate(template, dataDir);
        logBefore = await metadataLogSize(dataDir);
        const acknowledged = await killDuring(
          server,
          (client) => client.deleteStream("big"),
          moment,
        );
        await using client = await connectRoot(server);
        const survivor = await client.getStream("big");
        if (survivor) {
          // Killed before the delete took effect: the stream must be whole, then goes normally.
          assert.ok(
            !acknowledged,
            `${label}: an acknowledged delete came back`,
          );
          assert.equal(survivor.messagesCount, BigInt(SEGMENTS), label);
          // Read back one by one (offsets in order, payloads whole): nothing of it was lost.
          const offsets = await readOffsets(client, "big", "t");
          assert.deepEqual(
            offsets,
            Array.from({ length: SEGMENTS }, (_, i) => BigInt(i)),
            `${label}: the surviving stream is whole`,
          );
          await client.deleteStream("big");
        }
        const stream = await client.createStream("fresh");
        assert.equal(stream.id, 0, "the new stream reuses the deleted id");
        const topic = await client.createTopic("fresh", "t", {
          partitionsCount: 1,
        });
        assert.equal(topic.id, 0, "the new topic reuses the deleted id");
        const messages = (await readOffsets(client, "fresh", "t")).length;
        found.push(messages);
        assert.equal(topic.messagesCount, 0n, label);
        assert.equal(messages, 0, label);
        await waitForEmptyTrash(dataDir, label);
        summary.push(
          `${name}: ${acknowledged ? "acknowledged" : "unanswered"}, ${
            survivor ? "stream survived whole" : "stream gone"
          }${
            /Orphan stream directory/.test(server.stderr())
              ? " (its directory moved to the trash at start)"
              : ""
          }, ${messages} messages in the new topic`,
        );
      }
      assert.deepEqual(found, moments.map(() => 0));
      console.log(
        `${
          summary.join("\n")
        }\n${moments.length} kill -9 runs, 0 messages lost or leaked`,
      );
    });
  },
});
