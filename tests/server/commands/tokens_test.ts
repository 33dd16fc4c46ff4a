/**
 * Personal access tokens (binary.md §5.3, §2.9, §4.12; config.md `[personal_access_token]`):
 * lifecycle, limits, expiry, the cleaner and restarts in process through the command table; the
 * cleaner as the config starts it on the real server.
 */
import assert from "node:assert/strict";
import { IggyClient } from "../../../client/client.ts";
import { ErrorCode, UserStatus } from "../../../client/protocol/mod.ts";
import { deleteExpiredTokens } from "../../../server/commands/tokens.ts";
import { startServer } from "../../_server.ts";
import { codeOf, waitFor } from "../../_assert.ts";
import { type HandlerSystem, openHandlerSystem } from "./_handlers.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function eventually(
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  return waitFor(what, check, { intervalMs: 20 });
}

function connect(server: HandlerSystem, username = "iggy", password = "iggy") {
  return server.connect({ username, password });
}

Deno.test("personal access tokens: create once, list, limits, login, expiry, cleaner, restart", async (t) => {
  // No cleaner runs until the last step runs it.
  await using server = await openHandlerSystem({ maxTokensPerUser: 3 });
  let root = await connect(server);
  const tokens: Record<string, string> = {};
  const others: IggyClient[] = [];
  try {
    await t.step(
      "a token is 50 random bytes in padded base64, shown once",
      async () => {
        tokens.first = await root.createPersonalAccessToken("first");
        tokens.forever = await root.createPersonalAccessToken("forever", {
          expiry: U64_MAX,
        });
        for (const token of [tokens.first, tokens.forever]) {
          assert.match(token!, /^[A-Za-z0-9+/]{67}=$/);
          assert.equal(atob(token!).length, 50);
        }
        assert.notEqual(tokens.first, tokens.forever);
        const listed = await root.getPersonalAccessTokens();
        assert.deepEqual(
          listed.map((p) => [p.name, p.expiryAt]).sort(),
          [["first", undefined], ["forever", undefined]],
          "0 and u64::MAX both mean never; the secret is not listed",
        );
      },
    );

    await t.step(
      "names are 3..30 bytes (50) and unique per user (51)",
      async () => {
        assert.equal(
          await codeOf(root.createPersonalAccessToken("ab")),
          ErrorCode.InvalidPersonalAccessTokenName,
        );
        assert.equal(
          await codeOf(root.createPersonalAccessToken("x".repeat(31))),
          ErrorCode.InvalidPersonalAccessTokenName,
        );
        assert.equal(
          await codeOf(root.createPersonalAccessToken("first")),
          ErrorCode.PersonalAccessTokenAlreadyExists,
        );
        await root.createUser("owner", "secret");
        const owner = await connect(server, "owner", "secret");
        others.push(owner);
        tokens.owner = await owner.createPersonalAccessToken("first");
        assert.deepEqual(
          (await owner.getPersonalAccessTokens()).map((p) => p.name),
          ["first"],
          "each user sees only its own tokens",
        );
      },
    );

    await t.step("max_tokens_per_user (3 here) → 52", async () => {
      tokens.third = await root.createPersonalAccessToken("x".repeat(30));
      assert.equal(
        await codeOf(root.createPersonalAccessToken("fourth")),
        ErrorCode.PersonalAccessTokensLimitReached,
      );
      await root.deletePersonalAccessToken("x".repeat(30));
      assert.equal(
        await codeOf(root.loginWithPersonalAccessToken(tokens.third!)),
        ErrorCode.ResourceNotFound,
        "a deleted token no longer logs in",
      );
      assert.equal(
        await codeOf(root.deletePersonalAccessToken("x".repeat(30))),
        ErrorCode.ResourceNotFound,
      );
    });

    await t.step("login with a token; an unknown token → 20", async () => {
      await using client = await server.connect({ token: tokens.first! });
      assert.equal((await client.getMe()).userId, 0);
      assert.equal(
        await codeOf(client.loginWithPersonalAccessToken("not-a-token")),
        ErrorCode.ResourceNotFound,
      );
      assert.deepEqual(
        await client.loginWithPersonalAccessToken(tokens.owner!),
        { userId: 1 },
      );
    });

    await t.step(
      "an expiry in µs from now; once past, login → 54",
      async () => {
        const before = BigInt(Date.now()) * 1000n;
        tokens.short = await root.createPersonalAccessToken("short", {
          expiry: 300_000n,
        });
        const after = BigInt(Date.now()) * 1000n;
        const info = (await root.getPersonalAccessTokens()).find((p) =>
          p.name === "short"
        );
        assert.ok(info?.expiryAt !== undefined);
        assert.ok(
          info.expiryAt >= before + 300_000n &&
            info.expiryAt <= after + 300_000n,
          `expiry_at ${info.expiryAt} within [${before}, ${after}] + 300 ms`,
        );
        const client = await server.connect();
        others.push(client);
        assert.deepEqual(
          await client.loginWithPersonalAccessToken(tokens.short),
          { userId: 0 },
        );
        await eventually(
          "the token expires",
          async () =>
            await codeOf(client.loginWithPersonalAccessToken(tokens.short!)) ===
              ErrorCode.PersonalAccessTokenExpired,
        );
        assert.ok(
          (await root.getPersonalAccessTokens()).some((p) =>
            p.name === "short"
          ),
          "the cleaner is disabled: the expired token is still listed",
        );
      },
    );

    await t.step("a token of an inactive user → 47", async () => {
      await root.updateUser("owner", { status: UserStatus.Inactive });
      assert.equal(
        await codeOf(root.loginWithPersonalAccessToken(tokens.owner!)),
        ErrorCode.UserInactive,
      );
      await root.updateUser("owner", { status: UserStatus.Active });
    });

    await t.step(
      "after a restart with the cleaner on, expired tokens go and the others still log in",
      async () => {
        await root.close();
        for (const client of others.splice(0)) await client.close();
        await server.restart();
        root = await connect(server);
        assert.equal(await deleteExpiredTokens(server), 1, "the cleaner's run");
        assert.ok(
          !(await root.getPersonalAccessTokens()).some((p) =>
            p.name === "short"
          ),
          "the cleaner removes the expired token",
        );
        assert.deepEqual(
          (await root.getPersonalAccessTokens()).map((p) => p.name).sort(),
          ["first", "forever"],
        );
        await using client = await server.connect({ token: tokens.forever! });
        assert.equal((await client.getMe()).userId, 0);
        assert.deepEqual(
          await client.loginWithPersonalAccessToken(tokens.owner!),
          { userId: 1 },
        );
      },
    );
  } finally {
    await root.close();
    for (const client of others) await client.close();
  }
});

Deno.test("[personal_access_token.cleaner] on the real server removes expired tokens on its interval", async () => {
  await using server = await startServer({
    env: {
      IGGY_PERSONAL_ACCESS_TOKEN_CLEANER_ENABLED: "true",
      IGGY_PERSONAL_ACCESS_TOKEN_CLEANER_INTERVAL: "50 ms",
    },
  });
  await using root = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await root.createPersonalAccessToken("short", { expiry: 300_000n });
  await root.createPersonalAccessToken("forever");
  await eventually(
    "the cleaner removes the expired token",
    async () =>
      !(await root.getPersonalAccessTokens()).some((p) => p.name === "short"),
  );
  assert.deepEqual(
    (await root.getPersonalAccessTokens()).map((p) => p.name),
    ["forever"],
  );
});
