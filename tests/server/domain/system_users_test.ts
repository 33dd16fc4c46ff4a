/**
 * Users, permissions and tokens survive a crash and restart, and nothing on disk or in the logs holds a
 * plaintext password or token.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { IggyClient } from "../../../client/client.ts";
import {
  ErrorCode,
  noPermissions,
  type Permissions,
  UserStatus,
} from "../../../client/protocol/mod.ts";
import { startServer } from "../../_server.ts";
import { codeOf, contains } from "../../_assert.ts";

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* filesUnder(path);
    else if (entry.isFile) yield path;
  }
}

function alicePermissions(): Permissions {
  const p = noPermissions();
  p.global.readStreams = true;
  p.streams.set(7, {
    manageStream: false,
    readStream: true,
    manageTopics: false,
    readTopics: true,
    pollMessages: true,
    sendMessages: false,
    topics: new Map([[3, {
      manageTopic: true,
      readTopic: false,
      pollMessages: false,
      sendMessages: true,
    }]]),
  });
  return p;
}

const ALICE_PASSWORD = "alice-Secret-4c1e9b";
const BOB_PASSWORD = "bob-Secret-77d2aa";
const ROOT_PASSWORD = "root-Secret-0b5f3c";

Deno.test("System keeps users, permissions and tokens across a crash, storing only hashes", async (t) => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_LOGGING_LEVEL: "trace" },
  });
  const secrets: string[] = [ALICE_PASSWORD, BOB_PASSWORD, ROOT_PASSWORD];
  let token = "";

  await t.step(
    "create users, permissions and a token, then SIGKILL",
    async () => {
      await using root = await IggyClient.connect({
        ...server.tcp,
        username: "iggy",
        password: "iggy",
      });
      await root.createUser("alice", ALICE_PASSWORD, {
        permissions: alicePermissions(),
      });
      await root.createUser("bob", BOB_PASSWORD, {
        status: UserStatus.Inactive,
      });
      await root.changePassword(0, {
        currentPassword: "iggy",
        newPassword: ROOT_PASSWORD,
      });
      await using alice = await IggyClient.connect({
        ...server.tcp,
        username: "alice",
        password: ALICE_PASSWORD,
      });
      token = await alice.createPersonalAccessToken("laptop");
      secrets.push(token);
      await server.kill("SIGKILL");
      await server.start();
    },
  );

  await t.step("after the restart everything is as it was", async () => {
    await using root = await IggyClient.connect({
      ...server.tcp,
      username: "iggy",
      password: ROOT_PASSWORD,
    });
    const alice = await root.getUser("alice");
    assert.deepEqual(alice?.permissions, alicePermissions());
    assert.equal(alice?.status, UserStatus.Active);
    assert.equal((await root.getUser("bob"))?.status, UserStatus.Inactive);
    assert.equal(
      await codeOf(root.login("bob", BOB_PASSWORD)),
      ErrorCode.UserInactive,
    );
    assert.equal(
      await codeOf(root.login("iggy", "iggy")),
      ErrorCode.InvalidCredentials,
      "the changed root password is kept over the default credentials",
    );
    await using viaToken = await IggyClient.connect({ ...server.tcp, token });
    assert.equal((await viaToken.getMe()).userId, alice?.id);
    assert.deepEqual(
      (await viaToken.getPersonalAccessTokens()).map((p) => p.name),
      ["laptop"],
    );
    await using viaPassword = await IggyClient.connect({
      ...server.tcp,
      username: "alice",
      password: ALICE_PASSWORD,
    });
    await viaPassword.getStreams();
  });

  await t.step(
    "no file under the data directory holds a password or token",
    async () => {
      const encoder = new TextEncoder();
      let files = 0;
      let argon2 = false;
      for await (const path of filesUnder(server.dataDir)) {
        files++;
        const bytes = await Deno.readFile(path);
        for (const secret of secrets) {
          assert.ok(
            !contains(bytes, encoder.encode(secret)),
            `${path} contains a secret`,
          );
        }
        argon2 ||= contains(bytes, encoder.encode("$argon2id$"));
      }
      assert.ok(files > 0);
      assert.ok(argon2, "passwords are stored as argon2id hashes");
    },
  );

  await t.step(
    "the server's output (trace level) holds no password or token",
    async () => {
      await server.kill("SIGTERM");
      const output = server.stderr() + server.stdout();
      assert.ok(output.length > 0, "the server logged something");
      for (const secret of secrets) {
        assert.ok(!output.includes(secret), "a secret was logged");
      }
    },
  );
});
