import assert from "node:assert/strict";
import * as u from "../../../client/protocol/commands/users.ts";
import {
  noPermissions,
  rootPermissions,
} from "../../../client/protocol/permissions.ts";
import {
  assertRoundTrip,
  assertWireError,
  concat,
  hex,
  toHex,
} from "../_codec.ts";

const T = 1_700_000_000_000_000n;

function limited() {
  const p = noPermissions();
  p.global.readStreams = true;
  p.streams.set(0, {
    manageStream: false,
    readStream: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: false,
    topics: new Map([[0, {
      manageTopic: false,
      readTopic: true,
      pollMessages: true,
      sendMessages: true,
    }]]),
  });
  return p;
}

Deno.test("encodeGetUser() / decodeGetUser() round-trip", () => {
  assertRoundTrip(u.encodeGetUser, u.decodeGetUser, { userId: 0 });
  assertRoundTrip(u.encodeGetUser, u.decodeGetUser, { userId: "iggy" });
});

Deno.test("encodeCreateUser() / decodeCreateUser() round-trip", () => {
  assertRoundTrip(u.encodeCreateUser, u.decodeCreateUser, {
    username: "alice",
    password: "secret",
    status: 1,
    permissions: limited(),
  });
  const bare = assertRoundTrip(u.encodeCreateUser, u.decodeCreateUser, {
    username: "bob",
    password: "pw",
    status: 2,
  });
  assert.equal(toHex(bare), "03626f6202707702" + "00");
});

Deno.test("decodeCreateUser() ignores the Node SDK's trailing bytes after has_permissions 0", () => {
  const payload = concat(
    u.encodeCreateUser({ username: "bob", password: "pw", status: 1 }),
    hex("0100000000"),
  );
  assert.deepEqual(u.decodeCreateUser(payload), {
    username: "bob",
    password: "pw",
    status: 1,
  });
});

Deno.test("decodeCreateUser() rejects a bad status with 3 and an empty username with 4", () => {
  assertWireError(() => u.decodeCreateUser(hex("03626f620270770300")), 3);
  assertWireError(() => u.decodeCreateUser(hex("000270770100")), 4);
  assertWireError(() => u.decodeCreateUser(hex("03626f6202707701")), 3);
});

Deno.test("decodeCreateUser() rejects a permissions length mismatch with 4", () => {
  const payload = u.encodeCreateUser({
    username: "bob",
    password: "pw",
    status: 1,
    permissions: rootPermissions(),
  });
  // perm_len sits right after has_permissions: 4 + 3 + 1 + 1 = 9
  payload[9] = 12;
  assertWireError(() => u.decodeCreateUser(concat(payload, hex("00"))), 4);
});

Deno.test("encodeDeleteUser() / decodeDeleteUser() round-trip", () => {
  assertRoundTrip(u.encodeDeleteUser, u.decodeDeleteUser, { userId: 5 });
});

Deno.test("encodeUpdateUser() / decodeUpdateUser() round-trip", () => {
  assertRoundTrip(u.encodeUpdateUser, u.decodeUpdateUser, {
    userId: 1,
    username: "carol",
    status: 2,
  });
  assertRoundTrip(u.encodeUpdateUser, u.decodeUpdateUser, { userId: "bob" });
  assertRoundTrip(u.encodeUpdateUser, u.decodeUpdateUser, {
    userId: 1,
    status: 1,
  });
});

Deno.test("encodeUpdatePermissions() / decodeUpdatePermissions() round-trip", () => {
  assertRoundTrip(u.encodeUpdatePermissions, u.decodeUpdatePermissions, {
    userId: 1,
    permissions: limited(),
  });
  assertRoundTrip(u.encodeUpdatePermissions, u.decodeUpdatePermissions, {
    userId: 1,
  });
});

Deno.test("encodeChangePassword() / decodeChangePassword() round-trip", () => {
  assertRoundTrip(u.encodeChangePassword, u.decodeChangePassword, {
    userId: "bob",
    currentPassword: "old",
    newPassword: "",
  });
});

Deno.test("encodeLoginUser() / decodeLoginUser() round-trip", () => {
  assertRoundTrip(u.encodeLoginUser, u.decodeLoginUser, {
    username: "iggy",
    password: "iggy",
  });
  assertRoundTrip(u.encodeLoginUser, u.decodeLoginUser, {
    username: "iggy",
    password: "iggy",
    version: "0.10.0",
    context: "ctx",
  });
});

Deno.test("decodeLoginUser() fails with 3 when the length fields are missing", () => {
  assertWireError(
    () => u.decodeLoginUser(hex("0469676779046967677900000000")),
    3,
  );
  assertWireError(() => u.decodeLoginUser(hex("04696767790469676779")), 3);
});

Deno.test("encodeUser() / decodeUser() round-trip (14 + n bytes)", () => {
  const bytes = assertRoundTrip(u.encodeUser, u.decodeUser, {
    id: 0,
    createdAt: T,
    status: 1,
    username: "iggy",
  });
  assert.equal(bytes.length, 18);
});

Deno.test("encodeUsers() / decodeUsers() round-trip", () => {
  assertRoundTrip(u.encodeUsers, u.decodeUsers, [
    { id: 0, createdAt: T, status: 1, username: "iggy" },
    { id: 1, createdAt: T + 1n, status: 2, username: "bob" },
  ]);
});

Deno.test("encodeUserDetails() / decodeUserDetails() round-trip", () => {
  assertRoundTrip(u.encodeUserDetails, u.decodeUserDetails, {
    id: 1,
    createdAt: T,
    status: 1,
    username: "bob",
    permissions: limited(),
  });
  const none = assertRoundTrip(u.encodeUserDetails, u.decodeUserDetails, {
    id: 1,
    createdAt: T,
    status: 1,
    username: "bob",
  });
  assert.equal(toHex(none.subarray(none.length - 4)), "00000000");
});

Deno.test("encodeIdentityInfo() / decodeIdentityInfo() round-trip", () => {
  const bytes = assertRoundTrip(u.encodeIdentityInfo, u.decodeIdentityInfo, {
    userId: 7,
  });
  assert.equal(toHex(bytes), "07000000");
  assertWireError(() => u.decodeIdentityInfo(hex("0700")), 3);
});
