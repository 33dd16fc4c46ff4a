/**
 * The CLI's resource commands that call the SDK's options forms (stream update, topic purge and
 * delete, user create, consumer-group list), run as a subprocess against a real server and checked
 * through the SDK.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect } from "../../../mod.ts";
import { runCommand } from "../../_run.ts";
import { startServer } from "../../_server.ts";
import { withTempDir } from "../../_temp_dir.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

Deno.test("cli stream update, topic purge/delete, user create and consumer-group list act on the server; a refusal names its code once", async () => {
  await using server = await startServer();
  await withTempDir(async (home) => {
    const run = (...args: string[]) =>
      runCommand([
        "deno",
        "run",
        "-A",
        "cli/main.ts",
        "--tcp-server-address",
        `${server.tcp.hostname}:${server.tcp.port}`,
        "-u",
        "iggy",
        "-p",
        "iggy",
        ...args,
      ], {
        cwd: ROOT,
        env: { IGGY_HOME: home, NO_COLOR: "1" },
        timeoutMs: 60_000,
      });
    const cli = async (...args: string[]): Promise<string> => {
      const out = await run(...args);
      assert.equal(
        out.code,
        0,
        `${args.join(" ")}:\n${out.stdout}\n${out.stderr}`,
      );
      return out.stdout;
    };
    await using client = await connect(
      `iggy://iggy:iggy@${server.tcp.hostname}:${server.tcp.port}`,
    );

    await cli("stream", "create", "s");
    await cli("topic", "create", "s", "t", "2");
    // A refusal names the action, the resource and the code once.
    const twice = await run("stream", "create", "s");
    assert.equal(twice.code, 1);
    assert.match(
      twice.stderr,
      /^error: StreamNameAlreadyExists: Cannot create stream "s": Stream name already exists \(1012 StreamNameAlreadyExists\)\nhint: /,
    );
    await cli("stream", "update", "s", "renamed");
    assert.equal((await client.getStream("renamed"))?.name, "renamed");

    await client.ensureConsumerGroup({
      streamId: "renamed",
      topicId: "t",
      name: "billing",
    });
    assert.match(
      await cli("consumer-group", "list", "renamed", "t"),
      /billing/,
    );

    await client.sendMessages({
      streamId: "renamed",
      topicId: "t",
      messages: [{ payload: "x" }],
    });
    await cli("topic", "purge", "renamed", "t");
    const purged = await client.getTopic({ streamId: "renamed", topicId: "t" });
    assert.equal(purged?.messagesCount, 0n);
    await cli("topic", "delete", "renamed", "t");
    assert.deepEqual(await client.getTopics({ streamId: "renamed" }), []);

    await cli("user", "create", "alice", "secret-1");
    assert.equal((await client.getUser("alice"))?.username, "alice");
  });
});
