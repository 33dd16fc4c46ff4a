/**
 * The JSON shapes shared by the HTTP API and the SDK's HTTP transport.
 */
import assert from "node:assert/strict";
import {
  decodeBase64,
  decodeBase64Strict,
  encodeHeaderFields,
  formatByteSize,
  headerKindCode,
  headersJson,
  JSON_SOURCE_ACCESS,
  JsonFields,
  JsonNumber,
  type JsonObject,
  parseByteSize,
  parseJsonExact,
  permissionsFromJson,
  permissionsToJson,
  stringifyJson,
  toBase64,
} from "../../client/protocol/http_json/mod.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";
import { parse as losslessParse } from "lossless-json";

Deno.test("parseByteSize() reads back what formatByteSize() writes", () => {
  for (const n of [0n, 1n, 999n, 1000n, 1536n, 1234567n, 5n * 1024n ** 3n]) {
    assert.equal(parseByteSize(formatByteSize(n)), n, formatByteSize(n));
  }
  assert.equal(formatByteSize(1536), "1.5 KiB");
  assert.equal(parseByteSize("1.5 parsecs"), undefined);
});

Deno.test("decodeBase64() inverts toBase64()", () => {
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
  assert.deepEqual(decodeBase64(toBase64(bytes)), bytes);
  assert.throws(() => decodeBase64("not base64!"));
});

Deno.test("headersJson() reads the block encodeHeaderFields() writes", () => {
  const key = new TextEncoder().encode("k");
  const block = encodeHeaderFields([[headerKindCode("string")!, key], [
    headerKindCode("uint8")!,
    Uint8Array.of(7),
  ]]);
  assert.deepEqual(headersJson(block), [{
    key: { kind: "string", value: toBase64(key) },
    value: { kind: "uint8", value: "Bw==" },
  }]);
  assert.equal(headerKindCode("nope"), undefined);
  assert.equal(headersJson(block.subarray(0, block.length - 1)), undefined);
});

/** Readers that reject with a plain TypeError. */
function plainReader(): JsonFields {
  return new JsonFields((what) => {
    throw new TypeError(what);
  });
}

Deno.test("permissionsFromJson() reads back what permissionsToJson() writes", () => {
  const flags = { pollMessages: true, sendMessages: false };
  const permissions: Permissions = {
    global: {
      manageServers: true,
      readServers: false,
      manageUsers: true,
      readUsers: false,
      manageStreams: true,
      readStreams: false,
      manageTopics: true,
      readTopics: false,
      ...flags,
    },
    streams: new Map([[2, {
      manageStream: false,
      readStream: true,
      manageTopics: false,
      readTopics: true,
      ...flags,
      topics: new Map([[9, { manageTopic: true, readTopic: false, ...flags }]]),
    }]]),
  };
  const json = JSON.parse(JSON.stringify(permissionsToJson(permissions)));
  assert.equal(json.streams["2"].topics["9"].manage_topic, true);
  assert.deepEqual(permissionsFromJson(json, plainReader()), permissions);
  assert.throws(
    () => permissionsFromJson({ streams: null }, plainReader()),
    /global/,
  );
});

Deno.test("JSON_SOURCE_ACCESS is true on this runtime", () => {
  assert.equal(JSON_SOURCE_ACCESS, true);
});

Deno.test("parseJsonExact() keeps u64/u128 integers exact and other numbers as numbers", () => {
  const text =
    `{"u64":18446744073709551615,"u128":340282366920938463463374607431768211455,` +
    `"neg":-9007199254740993,"zero":0,"negZero":-0,"float":1.5,"exp":1e3,"big":1.7e308,` +
    `"nested":[{"id":12345678901234567890},[1,2.25,"3"]],"s":"18446744073709551615",` +
    `"t":true,"n":null}`;
  const value = parseJsonExact(text) as JsonObject;
  assert.equal(value.u64, 18446744073709551615n);
  assert.equal(value.u128, 340282366920938463463374607431768211455n);
  assert.equal(value.neg, -9007199254740993n);
  assert.equal(value.zero, 0n);
  assert.equal(value.negZero, 0n);
  assert.equal(value.float, 1.5);
  assert.equal(value.exp, 1000);
  assert.equal(value.big, 1.7e308);
  assert.deepEqual(value.nested, [{ id: 12345678901234567890n }, [
    1n,
    2.25,
    "3",
  ]]);
  assert.equal(value.s, "18446744073709551615");
  // The same values as the lossless-json fallback gives.
  const fallback = losslessParse(
    text,
    null,
    (t: string) => /^-?\d+$/.test(t) ? BigInt(t) : Number(t),
  );
  assert.deepEqual(value, fallback);
});

Deno.test("parseJsonExact() throws SyntaxError on bad JSON", () => {
  for (const bad of ["", "{", '{"a":}', "[1,]", "01", "{'a':1}"]) {
    assert.throws(() => parseJsonExact(bad), SyntaxError, bad);
  }
});

Deno.test("decodeBase64Strict() takes canonical padded base64 only", () => {
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
    assert.deepEqual(decodeBase64Strict(toBase64(bytes)), bytes, `length ${n}`);
  }
  assert.deepEqual(
    decodeBase64Strict("aGVsbG8="),
    new TextEncoder().encode("hello"),
  );
  for (
    const bad of [
      "aGVsbG8", // no padding
      "aGVsbG9=", // non-zero unused bits
      "aGVs bG8=", // whitespace
      "aGVsbG8=\n",
      "aGVs*G8=",
      "a",
      "aGVsbG8==",
      "=aGVsbG8",
    ]
  ) {
    assert.equal(decodeBase64Strict(bad), undefined, JSON.stringify(bad));
  }
});

Deno.test("stringifyJson() writes what JSON.stringify writes, bigints and JsonNumbers bare", () => {
  const plain = {
    s: 'q"uote\\ \u2028 \ud800 é',
    n: [0, -0, 1.5, 1e21, -3e-7, NaN, Infinity],
    b: [true, false, null],
    nested: { a: [{}, []], skip: undefined, f: () => 1 },
    holes: [undefined, () => 1],
    date: new Date(0),
    "0": "numeric key",
  };
  assert.equal(stringifyJson(plain), JSON.stringify(plain));
  assert.equal(
    stringifyJson({
      u64: 2n ** 64n - 1n,
      id: 2n ** 128n - 1n,
      f: new JsonNumber("1.0"),
    }),
    '{"u64":18446744073709551615,"id":340282366920938463463374607431768211455,"f":1.0}',
  );
  assert.equal(stringifyJson(undefined), "null");
  assert.equal(stringifyJson([1n, undefined]), "[1,null]");
});
