import assert from "node:assert/strict";
import { parseState, stringifyState } from "../../../server/state/json.ts";

Deno.test("stringifyState() and parseState() round-trip bigints", () => {
  const state = {
    a: 1n,
    b: [0n, 0xffff_ffff_ffff_ffffn, -5n],
    c: { d: "x", e: null },
  };
  const text = stringifyState(state);
  assert.match(text, /"\$bigint":"18446744073709551615"/);
  assert.deepEqual(parseState(text), state);
});

Deno.test("parseState() rejects text that is not JSON", () => {
  assert.throws(() => parseState("{ not json"), SyntaxError);
});
