/**
 * Purges and segment deletes killed (SIGKILL) at varying moments: after the restart a topic is
 * whole or purged, never half purged (in none of its partitions, nor across them), and segment
 * deletes leave a whole suffix of whole messages.
 * @module
 */

import assert from "node:assert/strict";
import type { IggyClient } from "../../mod.ts";
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

/** Segments (of one message each) in each partition. */
const SEGMENTS = 300;
const PARTITIONS = 2;
const DELETED_SEGMENTS = 150;
/** Milliseconds between sending the command and SIGKILL, one run each. */
const KILL_DELAYS_MS = [0, 10, 30];

Deno.test({
  name:
    "purges and deleteSegments() killed at varying moments leave no half-deleted partition or topic",
  sanitizeResources: false, // the harness's child process pipes outlive a SIGKILL briefly
  async fn() {
    await withCrashRoot(async (root) => {
      const template = await buildTemplate(root, SEGMENTS, PARTITIONS);
      const summary: string[] = [];
      let run = 0;
      let dataDir = "";
      let logBefore = 0;
      // The fixed delays land wherever the machine's load puts them; the last runs kill as soon
      // as the purge's entry is in the metadata log (its data change may not have begun), and as
      // soon as its data is in the trash (the partitions are being started again, the trash
      // reclaimed).
      const entryWritten = async () =>
        await metadataLogSize(dataDir) !== logBefore;
      const purges: {
        name: string;
        moment: KillMoment;
        purge: (client: IggyClient) => Promise<unknown>;
      }[] = [
        ...KILL_DELAYS_MS.map((ms) => ({
          name: `purgeTopic, kill after ${ms} ms`,
          moment: ms,
          purge: (client: IggyClient) => client.purgeTopic("big", "t"),
        })),
        {
          name: "purgeTopic, kill once its entry is written",
          moment: entryWritten,
          purge: (client) => client.purgeTopic("big", "t"),
        },
        {
          name: "purgeStream, kill once its entry is written",
          moment: entryWritten,
          purge: (client) => client.purgeStream("big"),
        },
        {
          name: "purgeStream, kill once the trash holds its data",
          moment: async () => (await trashEntries(dataDir)).length > 0,
          purge: (client) => client.purgeStream("big"),
        },
      ];
      for (const { name, moment, purge } of purges) {
        dataDir = `${root}/run-${run++}`;
        await using server = await startFromTemplate(template, dataDir);
        logBefore = await metadataLogSize(dataDir);
        const acknowledged = await killDuring(server, purge, moment);
        await using client = await connectRoot(server);
        const left: number[] = [];
        for (let partitionId = 0; partitionId < PARTITIONS; partitionId++) {
          left.push(
            (await readOffsets(client, "big", "t", partitionId)).length,
          );
        }
        const whole = left.every((n) => n === SEGMENTS);
        const purged = left.every((n) => n === 0);
        assert.ok(whole || purged, `${name}: ${left} left`);
        if (acknowledged) assert.ok(purged, `${name}: acknowledged, ${left}`);
        await waitForEmptyTrash(dataDir, name);
        summary.push(
          `${name}: ${acknowledged ? "acknowledged" : "unanswered"}, ${
            purged ? "purged" : "whole"
          }`,
        );
      }
      for (const delay of KILL_DELAYS_MS) {
        const label = `deleteSegments, kill after ${delay} ms`;
        dataDir = `${root}/run-${run++}`;
        await using server = await startFromTemplate(template, dataDir);
        const acknowledged = await killDuring(
          server,
          (client) =>
            client.deleteSegments({
              streamId: "big",
              topicId: "t",
              partitionId: 0,
              segmentsCount: DELETED_SEGMENTS,
            }),
          delay,
        );
        await using client = await connectRoot(server);
        // readOffsets checks every message is whole; the rest must be one suffix.
        const offsets = await readOffsets(client, "big", "t");
        const first = Number(offsets[0] ?? SEGMENTS);
        assert.deepEqual(
          offsets,
          Array.from({ length: SEGMENTS - first }, (_, i) => BigInt(first + i)),
          label,
        );
        assert.ok(first <= DELETED_SEGMENTS, `${label}: first ${first}`);
        if (acknowledged) assert.equal(first, DELETED_SEGMENTS, label);
        const topic = await client.getTopic("big", "t");
        assert.equal(
          topic?.partitions[0]?.segmentsCount,
          SEGMENTS - first + 1, // + the empty active segment
          `${label}: no half-deleted segment remains`,
        );
        summary.push(
          `${label}: ${
            acknowledged ? "acknowledged" : "unanswered"
          }, first offset ${first}`,
        );
      }
      console.log(summary.join("\n"));
    });
  },
});
