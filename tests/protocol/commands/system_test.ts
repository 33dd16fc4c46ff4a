import assert from "node:assert/strict";
import * as s from "../../../client/protocol/commands/system.ts";
import { assertRoundTrip, assertWireError, hex } from "../_codec.ts";

const stats: s.Stats = {
  processId: 1234,
  cpuUsage: 12.5,
  totalCpuUsage: 50.25,
  memoryUsage: 1n << 30n,
  totalMemory: 16n << 30n,
  availableMemory: 8n << 30n,
  runTime: 5_000_000n,
  startTime: 1_700_000_000_000_000n,
  readBytes: 1n,
  writtenBytes: 2n,
  messagesSizeBytes: 3n,
  streamsCount: 4,
  topicsCount: 5,
  partitionsCount: 6,
  segmentsCount: 7,
  messagesCount: 8n,
  clientsCount: 9,
  consumerGroupsCount: 10,
  hostname: "host",
  osName: "Linux",
  osVersion: "6.1",
  kernelVersion: "6.1.0",
  iggyServerVersion: "0.8.0",
  iggyServerSemver: 8000,
  cacheMetrics: [{
    streamId: 0,
    topicId: 1,
    partitionId: 2,
    hits: 10n,
    misses: 5n,
    hitRatio: 0.75,
  }],
  threadsCount: 12,
  freeDiskSpace: 100n,
  totalDiskSpace: 200n,
};

Deno.test("encodeGetSnapshot() / decodeGetSnapshot() round-trip", () => {
  assertRoundTrip(s.encodeGetSnapshot, s.decodeGetSnapshot, {
    compression: 2,
    types: [1, 3, 6],
  });
  assertRoundTrip(s.encodeGetSnapshot, s.decodeGetSnapshot, {
    compression: 4,
    types: [100],
  });
});

Deno.test("decodeGetSnapshot() rejects unknown codes and all-with-others with 3", () => {
  assertWireError(() => s.decodeGetSnapshot(hex("070101")), 3);
  assertWireError(() => s.decodeGetSnapshot(hex("020107")), 3);
  assertWireError(() => s.decodeGetSnapshot(hex("02026401")), 3);
  assertWireError(() => s.decodeGetSnapshot(hex("0202")), 3);
});

Deno.test("encodeGetClient() / decodeGetClient() round-trip", () => {
  assertRoundTrip(s.encodeGetClient, s.decodeGetClient, {
    clientId: 0xdeadbeef,
  });
});

Deno.test("encodeStats() / decodeStats() round-trip with the 108-byte prefix", () => {
  const bytes = assertRoundTrip(s.encodeStats, s.decodeStats, stats);
  const strings = 4 * 5 + "host".length + "Linux".length + "6.1".length +
    "6.1.0".length + 5;
  assert.equal(bytes.length, 108 + strings + 4 + 4 + 32 + 4 + 8 + 8);
  assertWireError(() => s.decodeStats(bytes.subarray(0, bytes.length - 1)), 3);
});

Deno.test("encodeClientInfo() / decodeClientInfo() round-trip", () => {
  const bytes = assertRoundTrip(s.encodeClientInfo, s.decodeClientInfo, {
    clientId: 42,
    userId: s.NO_USER_ID,
    transport: 1,
    address: "127.0.0.1:53012",
    consumerGroupsCount: 2,
  });
  assert.equal(bytes.length, 17 + 15);
});

Deno.test("encodeClients() / decodeClients() round-trip", () => {
  assertRoundTrip(s.encodeClients, s.decodeClients, [
    {
      clientId: 1,
      userId: 0,
      transport: 1,
      address: "127.0.0.1:1",
      consumerGroupsCount: 1,
    },
    {
      clientId: 2,
      userId: 0,
      transport: 2,
      address: "[::1]:2",
      consumerGroupsCount: 0,
    },
  ]);
});

Deno.test("encodeClientDetails() / decodeClientDetails() round-trip", () => {
  assertRoundTrip(s.encodeClientDetails, s.decodeClientDetails, {
    clientId: 1,
    userId: 0,
    transport: 2,
    address: "127.0.0.1:9",
    consumerGroupsCount: 2,
    consumerGroups: [
      { streamId: 0, topicId: 0, groupId: 0 },
      { streamId: 1, topicId: 2, groupId: 3 },
    ],
  });
});

Deno.test("decodeClientInfo() rejects an unknown transport with 3", () => {
  assertWireError(
    () => s.decodeClientInfo(hex("01000000000000000900000000" + "00000000")),
    3,
  );
});

Deno.test("encodeClusterMetadata() / decodeClusterMetadata() round-trip", () => {
  assertRoundTrip(s.encodeClusterMetadata, s.decodeClusterMetadata, {
    name: "single-node",
    nodes: [{
      name: "iggy-node",
      ip: "127.0.0.1",
      tcpPort: 8090,
      quicPort: 8080,
      httpPort: 3000,
      websocketPort: 8092,
      role: 0,
      status: 0,
    }],
  });
});

Deno.test("decodeClusterMetadata() rejects an unknown node role with 3", () => {
  const bytes = s.encodeClusterMetadata({
    name: "c",
    nodes: [{
      name: "n",
      ip: "i",
      tcpPort: 1,
      quicPort: 2,
      httpPort: 3,
      websocketPort: 4,
      role: 1,
      status: 5,
    }],
  });
  bytes[bytes.length - 2] = 2;
  assertWireError(() => s.decodeClusterMetadata(bytes), 3);
});
