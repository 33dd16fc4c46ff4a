/**
 * Issue 13, identities: a user created at a reused id is a different principal, and deleting a user
 * or changing its password revokes its JWTs, closes its connections and deletes its PATs. On the real
 * server, over HTTP, TCP, WebSocket and QUIC; what only the handlers decide, in process.
 */
import assert from "node:assert/strict";
import {
  ConnectionError,
  IggyClient,
  noPermissions,
  rootPermissions,
} from "../../../mod.ts";
import { generateTestCertificate } from "../../e2e/_certs.ts";
import {
  CommandCode,
  encodeLoginUser,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import { startServer, type TestServer } from "../../_server.ts";
import { codeOf } from "../../_assert.ts";
import { RawClient } from "../_raw_client.ts";
import { openHandlerSystem } from "./_handlers.ts";

/** A small JSON client of the server's HTTP API. */
function http(server: TestServer) {
  const base = `http://${server.http!.hostname}:${server.http!.port}`;
  return async (
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
    }
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined
        ? undefined
        : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? null : JSON.parse(text) };
  };
}

type Api = ReturnType<typeof http>;

/** An SDK client over TCP logged in as `username`. */
function connectAs(
  server: TestServer,
  username: string,
  password: string,
): Promise<IggyClient> {
  return IggyClient.connect({ ...server.tcp, username, password });
}

/** True when the server closes `client`'s connection within `ms` (generous: a bound, not a target). */
async function closedWithin(client: RawClient, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<"open">((resolve) => {
    timer = setTimeout(() => resolve("open"), ms);
  });
  try {
    return (await Promise.race([client.answer(), open])) === null;
  } finally {
    clearTimeout(timer);
  }
}

async function login(api: Api, username: string, password: string) {
  const { status, body } = await api("POST", "/users/login", {
    body: { username, password },
  });
  assert.equal(status, 200, JSON.stringify(body));
  const identity = body as {
    user_id: number;
    access_token: { token: string };
  };
  return { userId: identity.user_id, token: identity.access_token.token };
}

Deno.test("a deleted user's JWT does not pass for the user created next at its id (HTTP)", async () => {
  await using server = await startServer();
  const api = http(server);
  await using root = await connectAs(server, "iggy", "iggy");
  const weak = await root.createUser("weak", "weak-pw", {
    permissions: noPermissions(),
  });
  const { token } = await login(api, "weak", "weak-pw");
  assert.equal((await api("GET", "/users", { token })).status, 403);
  await root.deleteUser("weak");
  assert.equal(
    (await api("GET", "/users", { token })).status,
    401,
    "revoked with its user",
  );
  const admin = await root.createUser("admin", "admin-pw", {
    permissions: rootPermissions(),
  });
  assert.equal(admin.id, weak.id, "the id is reused");
  assert.equal((await api("GET", "/users", { token })).status, 401);
  assert.equal(
    (await api("POST", "/streams", { token, body: { name: "taken" } }))
      .status,
    401,
  );
  assert.equal(
    (await api("POST", "/users/refresh-token", { body: { token } })).status,
    401,
  );
  // The new user's own token works.
  const fresh = await login(api, "admin", "admin-pw");
  assert.equal(
    (await api("GET", "/users", { token: fresh.token })).status,
    200,
  );
});

Deno.test("changing a password revokes the user's JWTs, deletes its PATs and closes its other connections", async () => {
  await using server = await startServer();
  const api = http(server);
  await using root = await connectAs(server, "iggy", "iggy");
  await root.createUser("alice", "old-pw", { permissions: rootPermissions() });
  const { token } = await login(api, "alice", "old-pw");
  const pat = await api("POST", "/personal-access-tokens", {
    token,
    body: { name: "ci-token", expiry: 0 },
  });
  assert.equal(pat.status, 200, JSON.stringify(pat.body));
  const patToken = (pat.body as { token: string }).token;
  const other = await RawClient.connect(server.tcp.port);
  try {
    assert.equal(
      (await other.request(
        CommandCode.LoginUser,
        encodeLoginUser({ username: "alice", password: "old-pw" }),
      )).status,
      0,
    );
    await root.changePassword("alice", {
      currentPassword: "old-pw",
      newPassword: "new-pw",
    });
    assert.equal((await api("GET", "/streams", { token })).status, 401);
    assert.equal(
      (await api("POST", "/personal-access-tokens/login", {
        body: { token: patToken },
      })).status,
      404,
      "the PAT is gone",
    );
    assert.ok(
      await closedWithin(other, 10_000),
      "the TCP connection is closed",
    );
  } finally {
    other.close();
  }
  const again = await login(api, "alice", "new-pw");
  assert.equal(
    (await api("GET", "/streams", { token: again.token })).status,
    200,
  );
});

Deno.test("changing one's own password keeps the connection that did it logged in", async () => {
  await using server = await openHandlerSystem();
  await using root = await server.connect({
    username: "iggy",
    password: "iggy",
  });
  await root.createUser("bob", "old-pw");
  await using bob = await server.connect({
    username: "bob",
    password: "old-pw",
  });
  await bob.changePassword("bob", {
    currentPassword: "old-pw",
    newPassword: "new-pw",
  });
  assert.equal((await bob.getMe()).clientId > 0, true);
});

Deno.test("a deleted user's PATs and TCP sessions are gone, also once its id is reused", async () => {
  await using server = await startServer();
  await using root = await connectAs(server, "iggy", "iggy");
  const temp = await root.createUser("temp", "temp-pw", {
    permissions: rootPermissions(),
  });
  const session = await RawClient.connect(server.tcp.port);
  await using anonymous = await IggyClient.connect({ ...server.tcp });
  try {
    assert.equal(
      (await session.request(
        CommandCode.LoginUser,
        encodeLoginUser({ username: "temp", password: "temp-pw" }),
      )).status,
      0,
    );
    await using owner = await connectAs(server, "temp", "temp-pw");
    const token = await owner.createPersonalAccessToken("deploy");
    await root.deleteUser("temp");
    assert.ok(
      await closedWithin(session, 10_000),
      "the TCP connection is closed",
    );
    const next = await root.createUser("next", "next-pw", {
      permissions: rootPermissions(),
    });
    assert.equal(next.id, temp.id, "the id is reused");
    assert.equal(
      await codeOf(anonymous.loginWithPersonalAccessToken(token)),
      ErrorCode.ResourceNotFound,
    );
  } finally {
    session.close();
  }
});

Deno.test("permissions on a deleted stream do not carry over to a new stream at its id", async () => {
  await using server = await openHandlerSystem();
  await using root = await server.connect({
    username: "iggy",
    password: "iggy",
  });
  const old = await root.createStream("old");
  const permissions = noPermissions();
  permissions.streams.set(old.id, {
    manageStream: true,
    readStream: true,
    manageTopics: true,
    readTopics: true,
    pollMessages: true,
    sendMessages: true,
    topics: new Map(),
  });
  await root.createUser("reader", "reader-pw", { permissions });
  await root.deleteStream(old.id);
  const reused = await root.createStream("new");
  assert.equal(reused.id, old.id, "the id is reused");
  await using reader = await server.connect({
    username: "reader",
    password: "reader-pw",
  });
  assert.equal(
    await codeOf(reader.getStream(reused.id)),
    ErrorCode.Unauthorized,
  );
  assert.equal((await root.getUser("reader"))!.permissions!.streams.size, 0);
});

Deno.test("deleting a user closes its WebSocket and QUIC connections too", async () => {
  const certificate = await generateTestCertificate();
  await using server = await startServer({
    env: {
      IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
      IGGY_QUIC_CERTIFICATE_CERT_FILE: certificate.certFile,
      IGGY_QUIC_CERTIFICATE_KEY_FILE: certificate.keyFile,
    },
  });
  await using root = await connectAs(server, "iggy", "iggy");
  await root.createUser("gone", "gone-pw", { permissions: rootPermissions() });
  const credentials = { username: "gone", password: "gone-pw" };
  await using websocket = await IggyClient.connect({
    transport: "websocket",
    ...server.websocket!,
    ...credentials,
  });
  await using quic = await IggyClient.connect({
    transport: "quic",
    ...server.quic!,
    tls: { caCerts: [certificate.cert] },
    ...credentials,
  });
  await websocket.getMe();
  await quic.getMe();
  await root.deleteUser("gone");
  // Closed by the server: the SDK reports a lost connection, not an error answer (40).
  for (const client of [websocket, quic]) {
    await assert.rejects(
      client.getMe(),
      (err: unknown) => err instanceof ConnectionError,
    );
  }
});
