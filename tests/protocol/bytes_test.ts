import assert from "node:assert/strict";
import { ByteReader, ByteWriter } from "../../client/protocol/bytes.ts";

Deno.test("ByteWriter keeps every field when its buffer grows", () => {
  const writer = new ByteWriter(1);
  const blob = new Uint8Array(100).fill(7);
  writer.u8(1).u16(2).u32(3).u64(4n).f32(0.5).bytes(blob).u8(9);
  const reader = new ByteReader(writer.finish());
  assert.equal(reader.u8(), 1);
  assert.equal(reader.u16(), 2);
  assert.equal(reader.u32(), 3);
  assert.equal(reader.u64(), 4n);
  assert.equal(reader.f32(), 0.5);
  assert.deepEqual(reader.bytesView(100), blob);
  assert.equal(reader.u8(), 9);
  assert.equal(reader.remaining, 0);
});
