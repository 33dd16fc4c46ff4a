import assert from "node:assert/strict";
import {
  consumerOffsetsDir,
  groupOffsetsDir,
  indexPath,
  logPath,
  offsetPath,
  parseSegmentFileName,
  partitionDir,
  segmentFileName,
} from "../../server/storage/paths.ts";

Deno.test("partitionDir() follows the streams/topics/partitions layout", () => {
  assert.equal(
    partitionDir("data", 1, 2, 3),
    "data/streams/1/topics/2/partitions/3",
  );
});

Deno.test("segmentFileName() pads the start offset to 20 digits", () => {
  assert.equal(segmentFileName(0n), "00000000000000000000");
  assert.equal(segmentFileName(1234n), "00000000000000001234");
  assert.equal(segmentFileName(0xffff_ffff_ffff_ffffn), "18446744073709551615");
  assert.throws(() => segmentFileName(-1n), RangeError);
  assert.equal(logPath("p", 12n), "p/00000000000000000012.log");
  assert.equal(indexPath("p", 12n), "p/00000000000000000012.index");
});

Deno.test("parseSegmentFileName() accepts only segment files", () => {
  assert.deepEqual(parseSegmentFileName("00000000000000000012.log"), {
    startOffset: 12n,
    kind: "log",
  });
  assert.deepEqual(parseSegmentFileName("00000000000000000012.index"), {
    startOffset: 12n,
    kind: "index",
  });
  assert.equal(parseSegmentFileName("12.log"), undefined);
  assert.equal(parseSegmentFileName("00000000000000000012.log.tmp"), undefined);
  assert.equal(parseSegmentFileName("99999999999999999999.log"), undefined);
});

Deno.test("offsetPath() places offsets under offsets/consumers and offsets/groups", () => {
  assert.equal(consumerOffsetsDir("p"), "p/offsets/consumers");
  assert.equal(groupOffsetsDir("p"), "p/offsets/groups");
  assert.equal(offsetPath("p", "consumers", 5), "p/offsets/consumers/5");
  assert.equal(offsetPath("p", "groups", 6), "p/offsets/groups/6");
});
