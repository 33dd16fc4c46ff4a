/**
 * The JSON shapes shared by the HTTP API and the SDK's HTTP transport.
 */
import assert from "node:assert/strict";
import {
  decodeBase64,
  encodeHeaderFields,
  formatByteSize,
  headerKindCode,
  headersJson,
  type JsonObject,
  type JsonValue,
  parseByteSize,
  permissionsFromJson,
  permissionsJson,
  type PermissionsReader,
  toBase64,
} from "../../client/protocol/http_json.ts";
import type { Permissions } from "../../client/protocol/permissions.ts";

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

function plainReader(): PermissionsReader {
  function fail(what: string): never {
    throw new TypeError(what);
  }
  function asObject(v: JsonValue | undefined, what: string): JsonObject {
    if (v === null || typeof v !== "object" || Array.isArray(v)) fail(what);
    return v as JsonObject;
  }
  return {
    bool: (o, key) => typeof o[key] === "boolean" ? o[key] : fail(key),
    optObject: (o, key) => o[key] == null ? undefined : asObject(o[key], key),
    missingGlobal: () => fail("global"),
    entry: (value, map, key) => asObject(value, `${map}.${key}`),
    idKey: (key) => Number(key),
  };
}

Deno.test("permissionsFromJson() reads back what permissionsJson() writes", () => {
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
  const json = JSON.parse(JSON.stringify(permissionsJson(permissions)));
  assert.equal(json.streams["2"].topics["9"].manage_topic, true);
  assert.deepEqual(permissionsFromJson(json, plainReader()), permissions);
  assert.throws(
    () => permissionsFromJson({ streams: null }, plainReader()),
    /global/,
  );
});
