/**
 * Followers' reports of a leader they cannot reach (etcd `unreachable/`): what the controller
 * reads back, by partition; anything it cannot read is skipped, never trusted.
 */
import assert from "node:assert/strict";
import { reportsByPartition } from "../../server/cluster/unreachable_leader.ts";

const PREFIX = "/c/unreachable/";

Deno.test("reportsByPartition groups reports by partition and skips malformed ones", () => {
  const reports = reportsByPartition([
    {
      key: `${PREFIX}0/1/2/n2`,
      value: JSON.stringify({
        follower: "n2",
        epoch: 3,
        nextOffset: "18446744073709551615",
        offsetsVersion: 7,
      }),
    },
    {
      key: `${PREFIX}0/1/2/n3`,
      value: JSON.stringify({ follower: "n3", epoch: 3, nextOffset: "5" }),
    },
    { key: `${PREFIX}0/1/3/n2`, value: "not json" },
    {
      key: `${PREFIX}0/1/4/n2`,
      value: JSON.stringify({ follower: "n2", epoch: "3", nextOffset: "5" }),
    },
    {
      key: `${PREFIX}0/1/n2`,
      value: JSON.stringify({ follower: "n2", epoch: 3, nextOffset: "5" }),
    },
  ], PREFIX);
  assert.deepEqual([...reports.keys()], ["0/1/2"]);
  assert.deepEqual(reports.get("0/1/2"), [
    {
      follower: "n2",
      epoch: 3,
      nextOffset: 18446744073709551615n,
      offsetsVersion: 7,
    },
    { follower: "n3", epoch: 3, nextOffset: 5n, offsetsVersion: undefined },
  ]);
});
