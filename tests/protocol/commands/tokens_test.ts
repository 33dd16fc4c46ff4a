import assert from "node:assert/strict";
import * as t from "../../../client/protocol/commands/tokens.ts";
import { assertRoundTrip, assertWireError, hex } from "../_codec.ts";

Deno.test("encodeCreatePersonalAccessToken() / decodeCreatePersonalAccessToken() round-trip", () => {
  const bytes = assertRoundTrip(
    t.encodeCreatePersonalAccessToken,
    t.decodeCreatePersonalAccessToken,
    { name: "ci-token", expiry: 3_600_000_000n },
  );
  assert.equal(bytes.length, 1 + 8 + 8);
});

Deno.test("encodeDeletePersonalAccessToken() / decodeDeletePersonalAccessToken() round-trip", () => {
  assertRoundTrip(
    t.encodeDeletePersonalAccessToken,
    t.decodeDeletePersonalAccessToken,
    {
      name: "ci-token",
    },
  );
});

Deno.test("encodeLoginWithPersonalAccessToken() / decodeLoginWithPersonalAccessToken() round-trip", () => {
  assertRoundTrip(
    t.encodeLoginWithPersonalAccessToken,
    t.decodeLoginWithPersonalAccessToken,
    {
      token: "A".repeat(68),
    },
  );
});

Deno.test("encodePersonalAccessTokenInfo() / decodePersonalAccessTokenInfo() round-trip", () => {
  assertRoundTrip(
    t.encodePersonalAccessTokenInfo,
    t.decodePersonalAccessTokenInfo,
    {
      name: "a",
      expiryAt: 1_700_000_000_000_000n,
    },
  );
  const never = assertRoundTrip(
    t.encodePersonalAccessTokenInfo,
    t.decodePersonalAccessTokenInfo,
    { name: "never" },
  );
  assert.deepEqual(never.subarray(6), new Uint8Array(8));
});

Deno.test("encodePersonalAccessTokens() / decodePersonalAccessTokens() round-trip three entries", () => {
  assertRoundTrip(t.encodePersonalAccessTokens, t.decodePersonalAccessTokens, [
    { name: "one" },
    { name: "two", expiryAt: 5n },
    { name: "three", expiryAt: 6n },
  ]);
});

Deno.test("encodeRawPersonalAccessToken() / decodeRawPersonalAccessToken() round-trip", () => {
  assertRoundTrip(
    t.encodeRawPersonalAccessToken,
    t.decodeRawPersonalAccessToken,
    {
      token: "c2VjcmV0",
    },
  );
});

Deno.test("decodeLoginWithPersonalAccessToken() rejects an empty token with 4", () => {
  assertWireError(() => t.decodeLoginWithPersonalAccessToken(hex("00")), 4);
  assertWireError(() => t.decodeCreatePersonalAccessToken(hex("0161")), 3);
});
