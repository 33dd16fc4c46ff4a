/**
 * User commands, in process through the command table (binary.md §5.2, §8.1–8.3, §8.8): root
 * protection, length limits, uniqueness, login failures, and changes that reach open sessions at once.
 */
import assert from "node:assert/strict";
import type { IggyClient } from "../../../client/client.ts";
import { ConnectionError } from "../../../client/errors.ts";
import {
  ErrorCode,
  noPermissions,
  type Permissions,
  UserStatus,
} from "../../../client/protocol/mod.ts";
import { codeOf } from "../../_assert.ts";
import { type HandlerSystem, openHandlerSystem } from "./_handlers.ts";

function connect(
  server: HandlerSystem,
  username?: string,
  password?: string,
): Promise<IggyClient> {
  return server.connect(
    username === undefined ? undefined : { username, password: password! },
  );
}

function readStreams(): Permissions {
  const p = noPermissions();
  p.global.readStreams = true;
  return p;
}

Deno.test("user commands enforce the rules of binary.md §5.2 and §8.1", async (t) => {
  await using server = await openHandlerSystem();
  await using root = await connect(server, "iggy", "iggy");
  const opened: IggyClient[] = [];
  const session = async (username?: string, password?: string) => {
    const client = await connect(server, username, password);
    opened.push(client);
    return client;
  };
  try {
    await t.step(
      "root cannot be deleted (48) nor have its permissions changed (49)",
      async () => {
        assert.equal(
          await codeOf(root.deleteUser(0)),
          ErrorCode.CannotDeleteUser,
        );
        assert.equal(
          await codeOf(root.deleteUser("iggy")),
          ErrorCode.CannotDeleteUser,
        );
        assert.equal(
          await codeOf(root.updatePermissions(0, noPermissions())),
          ErrorCode.CannotChangePermissions,
        );
        assert.equal(
          await codeOf(root.updatePermissions("iggy", undefined)),
          ErrorCode.CannotChangePermissions,
        );
        const details = await root.getUser(0);
        assert.ok(details?.permissions);
        assert.ok(Object.values(details.permissions.global).every((v) => v));
      },
    );

    await t.step("root's password can be changed", async () => {
      await root.changePassword(0, {
        currentPassword: "iggy",
        newPassword: "iggy-new",
      });
      const client = await session();
      assert.equal(
        await codeOf(client.login("iggy", "iggy")),
        ErrorCode.InvalidCredentials,
      );
      assert.deepEqual(await client.login("iggy", "iggy-new"), { userId: 0 });
      await root.changePassword("iggy", {
        currentPassword: "iggy-new",
        newPassword: "iggy",
      });
    });

    await t.step(
      "usernames are 3..50 bytes (43), passwords 3..100 bytes (44)",
      async () => {
        for (const username of ["ab", "é", "x".repeat(51)]) {
          assert.equal(
            await codeOf(root.createUser(username, "secret")),
            ErrorCode.InvalidUsername,
            username,
          );
        }
        for (const password of ["ab", "é", "p".repeat(101)]) {
          assert.equal(
            await codeOf(root.createUser("okname", password)),
            ErrorCode.InvalidPassword,
            password,
          );
        }
        const long = await root.createUser("x".repeat(50), "p".repeat(100));
        const wide = await root.createUser("éé", "ééé");
        assert.equal(
          await codeOf(root.updateUser(wide.id, { username: "ab" })),
          ErrorCode.InvalidUsername,
        );
        assert.equal(
          await codeOf(
            root.changePassword(wide.id, {
              currentPassword: "ééé",
              newPassword: "ab",
            }),
          ),
          ErrorCode.InvalidPassword,
        );
        const client = await session();
        assert.equal(
          await codeOf(client.login("ab", "secret")),
          ErrorCode.InvalidUsername,
        );
        assert.deepEqual(await client.login("éé", "ééé"), { userId: wide.id });
        assert.deepEqual(await client.login("x".repeat(50), "p".repeat(100)), {
          userId: long.id,
        });
      },
    );

    await t.step("a status other than 1/2 → 3", async () => {
      assert.equal(
        await codeOf(
          root.createUser("badstatus", "secret", {
            status: 3 as UserStatus,
          }),
        ),
        ErrorCode.InvalidCommand,
      );
    });

    await t.step("usernames are unique (46)", async () => {
      await root.createUser("dup", "secret");
      assert.equal(
        await codeOf(root.createUser("dup", "other")),
        ErrorCode.UserAlreadyExists,
      );
      const second = await root.createUser("dup2", "secret");
      assert.equal(
        await codeOf(root.updateUser(second.id, { username: "dup" })),
        ErrorCode.UserAlreadyExists,
      );
      await root.updateUser(second.id, { username: "dup2" });
      await root.updateUser(second.id, { username: "dup3" });
      assert.equal((await root.getUser("dup3"))?.id, second.id);
      assert.equal(await root.getUser("dup2"), undefined);
    });

    await t.step("unknown users: reads are empty, changes → 20", async () => {
      assert.equal(await root.getUser(999), undefined);
      assert.equal(await root.getUser("nobody"), undefined);
      assert.equal(
        await codeOf(root.deleteUser("nobody")),
        ErrorCode.ResourceNotFound,
      );
      assert.equal(
        await codeOf(root.updateUser("nobody", { status: UserStatus.Active })),
        ErrorCode.ResourceNotFound,
      );
      assert.equal(
        await codeOf(root.updatePermissions("nobody", undefined)),
        ErrorCode.ResourceNotFound,
      );
      assert.equal(
        await codeOf(
          root.changePassword("nobody", {
            currentPassword: "secret",
            newPassword: "secret",
          }),
        ),
        ErrorCode.ResourceNotFound,
      );
    });

    await t.step(
      "login failures do not tell a wrong password, an unknown user or an inactive one apart",
      async () => {
        await root.createUser("sleeper", "secret", {
          status: UserStatus.Inactive,
        });
        const client = await session();
        assert.equal(
          await codeOf(client.login("sleeper", "wrong")),
          ErrorCode.InvalidCredentials,
        );
        assert.equal(
          await codeOf(client.login("nobody", "secret")),
          ErrorCode.InvalidCredentials,
        );
        assert.equal(
          await codeOf(client.login("iggy", "wrong")),
          ErrorCode.InvalidCredentials,
        );
        // Only a caller who knows the password learns that the account is inactive.
        assert.equal(
          await codeOf(client.login("sleeper", "secret")),
          ErrorCode.UserInactive,
        );
        assert.equal(await codeOf(client.getMe()), ErrorCode.Unauthenticated);
        await root.updateUser("sleeper", { status: UserStatus.Active });
        assert.equal(
          (await client.login("sleeper", "secret")).userId > 0,
          true,
        );
      },
    );

    await t.step(
      "deactivating a user logs its open sessions out at once",
      async () => {
        await root.createUser("worker", "secret");
        const client = await session("worker", "secret");
        await client.getMe();
        await root.updateUser("worker", { status: UserStatus.Inactive });
        assert.equal(await codeOf(client.getMe()), ErrorCode.Unauthenticated);
        await client.ping();
      },
    );

    await t.step(
      "changed permissions apply to open sessions at once",
      async () => {
        await root.createUser("reader", "secret", {
          permissions: readStreams(),
        });
        const client = await session("reader", "secret");
        await client.getStreams();
        await root.updatePermissions("reader", undefined);
        assert.equal(await codeOf(client.getStreams()), ErrorCode.Unauthorized);
        await root.updatePermissions("reader", readStreams());
        await client.getStreams();
      },
    );

    await t.step(
      "deleting a user closes its connections and removes its tokens",
      async () => {
        await root.createUser("temp", "secret");
        const client = await session("temp", "secret");
        const token = await client.createPersonalAccessToken("temp-token");
        await root.deleteUser("temp");
        // Closed, not only logged out (issue 13): the SDK reports a lost connection.
        await assert.rejects(
          client.getMe(),
          (err: unknown) => err instanceof ConnectionError,
        );
        const anonymous = await session();
        assert.equal(
          await codeOf(anonymous.loginWithPersonalAccessToken(token)),
          ErrorCode.ResourceNotFound,
        );
        assert.equal(await root.getUser("temp"), undefined);
      },
    );

    await t.step(
      "changePassword(): own without permission, others need manage_users, current must match",
      async () => {
        await root.createUser("changer", "secret");
        const client = await session("changer", "secret");
        assert.equal(
          await codeOf(
            client.changePassword("changer", {
              currentPassword: "wrong",
              newPassword: "secret2",
            }),
          ),
          ErrorCode.InvalidCredentials,
        );
        await client.changePassword("changer", {
          currentPassword: "secret",
          newPassword: "secret2",
        });
        assert.equal(
          await codeOf(
            client.changePassword("iggy", {
              currentPassword: "iggy",
              newPassword: "hijack",
            }),
          ),
          ErrorCode.Unauthorized,
        );
        // An unknown target is reported before the permission check.
        assert.equal(
          await codeOf(
            client.changePassword("nobody", {
              currentPassword: "x12",
              newPassword: "x12",
            }),
          ),
          ErrorCode.ResourceNotFound,
        );
        assert.equal(
          await codeOf(
            root.changePassword("changer", {
              currentPassword: "secret",
              newPassword: "secret3",
            }),
          ),
          ErrorCode.InvalidCredentials,
        );
        const other = await session();
        assert.equal(
          await codeOf(other.login("changer", "secret")),
          ErrorCode.InvalidCredentials,
        );
        await other.login("changer", "secret2");
      },
    );

    await t.step(
      "getUser(): self always, others need read_users; unknown numeric id → 41, unknown name → empty",
      async () => {
        const me = await root.createUser("plain", "secret");
        const client = await session("plain", "secret");
        assert.equal((await client.getUser("plain"))?.id, me.id);
        assert.equal((await client.getUser(me.id))?.username, "plain");
        assert.equal(await codeOf(client.getUser(0)), ErrorCode.Unauthorized);
        assert.equal(
          await codeOf(client.getUser(12345)),
          ErrorCode.Unauthorized,
        );
        assert.equal(await client.getUser("nobody"), undefined);
        assert.equal(await codeOf(client.getUsers()), ErrorCode.Unauthorized);
      },
    );

    await t.step(
      "logout keeps the connection open and unauthenticated",
      async () => {
        const client = await session("iggy", "iggy");
        await client.logout();
        assert.equal(await codeOf(client.getMe()), ErrorCode.Unauthenticated);
        assert.equal(await codeOf(client.logout()), ErrorCode.Unauthenticated);
        await client.ping();
        assert.deepEqual(await client.login("iggy", "iggy"), { userId: 0 });
        assert.equal((await client.getMe()).userId, 0);
      },
    );
  } finally {
    for (const client of opened) await client.close();
  }
});
