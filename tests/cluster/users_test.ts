/**
 * Users are cluster-wide: a user, its permissions, password and tokens changed through one node
 * hold on every node at once, and its connections to other nodes end as they would on the node
 * that made the change (closed on deletion and password change).
 */
import assert from "node:assert/strict";
import {
  connect,
  ConnectionError,
  ErrorCode,
  type IggyClient,
  IggyError,
  noPermissions,
  Partitioning,
  rootPermissions,
} from "../../mod.ts";
import type { TestServer } from "../_server.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";
import { eventually, login, startNodes } from "./_cluster.ts";

function loginAs(node: TestServer, username: string, password: string) {
  return connect({ ...node.tcp, username, password, reconnect: false });
}

function hasCode(code: number) {
  return (err: unknown) => err instanceof IggyError && err.code === code;
}

Deno.test({
  name:
    "Cluster: users, permissions, passwords and tokens changed on one node hold on the others",
  ignore: ETCD_BIN === undefined,
  async fn() {
    await using etcd = await startEtcd();
    const [n1, n2] = await startNodes(etcd.endpoint, "users", ["n1", "n2"]) as [
      TestServer,
      TestServer,
    ];
    try {
      await using admin = await login(n1);
      await admin.createStream("s");
      // Two partitions, one led by each node: bob's sends to p0 are forwarded from n2 to n1.
      await admin.createTopic({ streamId: "s", name: "t", partitionsCount: 2 });
      const sendTo = (client: IggyClient, partitionId: number) =>
        client.sendMessages({
          streamId: "s",
          topicId: "t",
          partitioning: Partitioning.partitionId(partitionId),
          messages: [{ payload: "from bob" }],
        });
      const bob = await admin.createUser({
        username: "bob",
        password: "secret-1",
        permissions: noPermissions(),
      });

      // Permissions: the change through n1 applies to bob's open session on n2 at once.
      await using bobOnN2 = await loginAs(n2, "bob", "secret-1");
      await assert.rejects(
        bobOnN2.getStreams(),
        hasCode(ErrorCode.Unauthorized),
      );
      // Checked where the partition lives, as bob (forwarded with his id and incarnation).
      for (const p of [0, 1]) {
        await assert.rejects(
          sendTo(bobOnN2, p),
          hasCode(ErrorCode.Unauthorized),
        );
      }
      await admin.updatePermissions(bob.id, rootPermissions());
      assert.deepEqual((await bobOnN2.getStreams()).map((s) => s.name), ["s"]);
      for (const p of [0, 1]) await sendTo(bobOnN2, p);

      // A personal access token made on n1 logs in on n2; deleted on n1, it no longer does.
      const token = await admin.createPersonalAccessToken("ci-token");
      await using tokenClient = await connect({
        ...n2.tcp,
        token,
        reconnect: false,
      });
      assert.equal((await tokenClient.getMe()).userId, 0);
      await admin.deletePersonalAccessToken("ci-token");
      await tokenClient.logout();
      await assert.rejects(
        tokenClient.loginWithPersonalAccessToken(token),
        IggyError,
      );

      // A password change through n1 closes bob's connection to n2; the new password works there.
      await admin.changePassword(bob.id, {
        currentPassword: "secret-1",
        newPassword: "secret-2",
      });
      await eventually("bob's connection to n2 is closed", async () => {
        try {
          await bobOnN2.ping();
          return undefined;
        } catch (err) {
          return err instanceof ConnectionError ||
              (err instanceof IggyError && err.code === ErrorCode.StaleClient)
            ? true
            : undefined;
        }
      });
      await assert.rejects(
        loginAs(n2, "bob", "secret-1"),
        hasCode(ErrorCode.InvalidCredentials),
      );
      await using bobAgain = await loginAs(n2, "bob", "secret-2");

      // Deleted through n1: the connection to n2 closes, and the login is refused there.
      await admin.deleteUser(bob.id);
      await eventually("bob's new connection to n2 is closed", async () => {
        try {
          await bobAgain.ping();
          return undefined;
        } catch {
          return true;
        }
      });
      await assert.rejects(
        loginAs(n2, "bob", "secret-2"),
        hasCode(ErrorCode.InvalidCredentials),
      );
    } finally {
      await n1[Symbol.asyncDispose]();
      await n2[Symbol.asyncDispose]();
    }
  },
});
