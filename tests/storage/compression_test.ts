import assert from "node:assert/strict";
import { gunzip, gzip } from "../../server/storage/compression.ts";
import { ErrorCode, IggyError } from "../../client/protocol/errors.ts";

Deno.test("gzip() and gunzip() round-trip and shrink repetitive data", () => {
  const input = new TextEncoder().encode("abc".repeat(1000));
  const packed = gzip(input);
  assert.ok(packed.length < input.length / 10);
  assert.deepEqual(gunzip(packed, input.length), input);
});

Deno.test("gunzip() rejects corrupt data and a size mismatch with code 72", () => {
  const input = new TextEncoder().encode("abc".repeat(1000));
  const packed = gzip(input);
  const isError = (err: unknown): boolean =>
    err instanceof IggyError && err.code === ErrorCode.CannotDecryptData;
  assert.throws(() => gunzip(packed, input.length - 1), isError);
  assert.throws(() => gunzip(packed, input.length + 1), isError);
  const broken = packed.slice();
  broken[12]! ^= 0xff;
  assert.throws(() => gunzip(broken, input.length), isError);
});
