/**
 * Authentication of the HTTP API (http.md §3): bearer checks, public paths, refresh, logout with
 * revocation that survives a restart, expiry with clock skew, 401/404/405 ordering.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { openApi } from "./_app.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function claims(token: string): Json {
  return JSON.parse(
    atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")),
  );
}

Deno.test("authentication rejects missing, malformed and foreign tokens with an empty 401", async () => {
  await using t = await openApi();
  const foreign = await new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("0")
    .setIssuer("iggy.apache.org")
    .setAudience("iggy.apache.org")
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode("not the server secret"));
  for (
    const headers of <Record<string, string>[]> [
      {},
      { authorization: "bearer " + t.token },
      { authorization: "Bearer" },
      { authorization: "Bearer abc.def.ghi" },
      { authorization: `Bearer ${foreign}` },
    ]
  ) {
    const res = await t.request("GET", "/streams", { token: null, headers });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), "");
  }
  // Unknown path: 401 without a token, 404 with one; wrong method: 405.
  assert.equal((await t.request("GET", "/nope", { token: null })).status, 401);
  const missing = await t.request("GET", "/nope");
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "");
  const wrong = await t.request("PATCH", "/streams");
  assert.equal(wrong.status, 405);
  assert.equal(await wrong.text(), "");
});

Deno.test("login issues a JWT with the claims of http.md §3.3", async () => {
  await using t = await openApi();
  const info = await t.json("POST", "/users/login", 200, {
    body: { username: "iggy", password: "iggy", version: "x", context: "y" },
    token: null,
  }) as Json;
  assert.deepEqual(Object.keys(info), ["user_id", "access_token"]);
  assert.equal(info.user_id, 0);
  const token = info.access_token.token as string;
  const header = JSON.parse(atob(token.split(".")[0]!));
  assert.deepEqual(header, { typ: "JWT", alg: "HS256" });
  const c = claims(token);
  assert.equal(c.sub, "0");
  assert.equal(c.iss, "iggy.apache.org");
  assert.equal(c.aud, "iggy.apache.org");
  assert.equal(c.exp - c.iat, 3600);
  assert.equal(c.nbf, c.iat);
  assert.equal(info.access_token.expiry, c.exp);
  assert.match(
    c.jti,
    /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  );
  assert.equal(
    (await t.json("POST", "/users/login", 400, {
      body: { username: "iggy", password: "x" },
      token: null,
    }) as Json).id,
    42,
  );
});

Deno.test("refresh-token revokes the old token once and logout revokes across a restart", async () => {
  await using t = await openApi();
  const old = t.token;
  const refreshed = await t.json("POST", "/users/refresh-token", 200, {
    body: { token: old },
    token: null,
  }) as Json;
  assert.equal(refreshed.user_id, 0);
  const fresh = refreshed.access_token.token as string;
  assert.notEqual(fresh, old);
  assert.equal(
    (await t.request("GET", "/streams", { token: old })).status,
    401,
  );
  assert.equal(
    (await t.request("GET", "/streams", { token: fresh })).status,
    200,
  );
  assert.deepEqual(
    await t.json("POST", "/users/refresh-token", 401, {
      body: { token: old },
      token: null,
    }),
    {
      id: 78,
      code: "invalid_access_token",
      reason: "Invalid access token",
      field: null,
    },
  );
  assert.equal(
    (await t.json("POST", "/users/refresh-token", 401, {
      body: { token: "" },
      token: null,
    }) as Json).id,
    78,
  );
  assert.equal(
    (await t.json("POST", "/users/refresh-token", 401, {
      body: { token: "x.y.z" },
      token: null,
    }) as Json).id,
    40,
  );

  // A configured secret keeps tokens valid across app restarts; revocations persist in state/tokens.
  const env = {
    IGGY_HTTP_JWT_ENCODING_SECRET: "a-very-secret-key-of-some-length",
  };
  await t.reopen(env);
  const a = (await t.json("POST", "/users/login", 200, {
    body: { username: "iggy", password: "iggy" },
    token: null,
  }) as Json)
    .access_token.token;
  const b = (await t.json("POST", "/users/login", 200, {
    body: { username: "iggy", password: "iggy" },
    token: null,
  }) as Json)
    .access_token.token;
  const out = await t.request("DELETE", "/users/logout", { token: a });
  assert.equal(out.status, 204);
  assert.equal((await t.request("GET", "/streams", { token: a })).status, 401);
  await Deno.stat(`${t.dataDir}/state/tokens`);
  await t.reopen(env);
  assert.equal((await t.request("GET", "/streams", { token: a })).status, 401);
  assert.equal((await t.request("GET", "/streams", { token: b })).status, 200);
  // Without a configured secret, a restart invalidates every token.
  await t.reopen();
  assert.equal((await t.request("GET", "/streams", { token: b })).status, 401);
});

Deno.test("authentication honours expiry with the configured clock skew", async () => {
  await using t = await openApi({
    IGGY_HTTP_JWT_ENCODING_SECRET: "secret-secret-secret-secret-123",
  });
  const key = new TextEncoder().encode("secret-secret-secret-secret-123");
  const now = Math.floor(Date.now() / 1000);
  const root = t.system.users.get(0)!;
  const make = (exp: number) =>
    new SignJWT({ inc: root.incarnation, pwv: root.passwordVersion })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject("0")
      .setJti(crypto.randomUUID())
      .setIssuer("iggy.apache.org")
      .setAudience("iggy.apache.org")
      .setIssuedAt(now - 100)
      .setExpirationTime(exp)
      .sign(key);
  assert.equal(
    (await t.request("GET", "/streams", { token: await make(now - 2) })).status,
    200,
  );
  assert.equal(
    (await t.request("GET", "/streams", { token: await make(now - 60) }))
      .status,
    401,
  );
  const noSub = await new SignJWT({}).setProtectedHeader({ alg: "HS256" })
    .setSubject("root")
    .setIssuer("iggy.apache.org").setAudience("iggy.apache.org")
    .setExpirationTime(now + 60).sign(key);
  assert.equal(
    (await t.request("GET", "/streams", { token: noSub })).status,
    401,
  );
  const wrongAudience = await new SignJWT({}).setProtectedHeader({
    alg: "HS256",
  }).setSubject("0")
    .setIssuer("iggy.apache.org").setAudience("elsewhere").setExpirationTime(
      now + 60,
    ).sign(key);
  assert.equal(
    (await t.request("GET", "/streams", { token: wrongAudience })).status,
    401,
  );
});
