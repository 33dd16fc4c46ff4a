import assert from "node:assert/strict";
import { parseHeader } from "../../../cli/commands/messages.ts";
import { UsageError } from "../../../cli/_errors.ts";
import { header, headerToValue } from "../../../mod.ts";

Deno.test("parseHeader() reads key:kind:value for every kind, keeping colons in the value", () => {
  assert.deepEqual(parseHeader("url:string:http://h:1"), [
    "url",
    header.string("http://h:1"),
  ]);
  assert.deepEqual(parseHeader("ok:BOOL:true"), ["ok", header.bool(true)]);
  assert.equal(
    headerToValue(parseHeader("n:uint64:18446744073709551615")[1]),
    18446744073709551615n,
  );
  assert.equal(headerToValue(parseHeader("n:int128:-5")[1]), -5n);
  assert.equal(headerToValue(parseHeader("f:float64:42.5")[1]), 42.5);
  assert.equal(headerToValue(parseHeader("b:uint8:255")[1]), 255);
});

Deno.test("parseHeader() rejects a bad format, kind or value", () => {
  for (
    const bad of [
      "key:string",
      "key:strin:value",
      "key:uint8:69.42",
      "key:uint8:256",
      "key:int8:-129",
      "key:bool:yes",
      ":string:x",
    ]
  ) {
    assert.throws(() => parseHeader(bad), UsageError, bad);
  }
});
