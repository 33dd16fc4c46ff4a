/**
 * A real server on a damaged metadata directory: a torn log tail is cut to the last whole entry
 * and reported; a corrupt snapshot stops the start with a message naming the file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../../_server.ts";
import { waitFor } from "../../_assert.ts";
import { connect } from "./_faults.ts";

Deno.test("the server recovers from a torn metadata log tail to the last whole entry and says so", async () => {
  await using server = await startServer();
  {
    await using client = await connect(server);
    await client.createStream("a");
    await client.createStream("b");
  }
  await server.kill("SIGKILL"); // no snapshot: both streams are only in the log
  const log = join(server.dataDir, "state", "metadata.log");
  const bytes = await Deno.readFile(log);
  // A crash in the middle of the next append: a header and half a payload.
  const torn = new Uint8Array(20);
  new DataView(torn.buffer).setUint32(0, 100, true);
  await Deno.writeFile(log, torn, { append: true });

  await server.restart();
  await using client = await connect(server);
  assert.deepEqual((await client.getStreams()).map((s) => s.name), ["a", "b"]);
  assert.match(server.stderr(), /WARN.*torn last entry.*metadata\.log/);
  assert.equal((await Deno.stat(log)).size, bytes.length, "tail cut off");
  await client.createStream("c");
  await server.kill("SIGKILL");
  await server.restart();
  await using again = await connect(server);
  assert.deepEqual((await again.getStreams()).map((s) => s.name), [
    "a",
    "b",
    "c",
  ]);
});

Deno.test("the server refuses to start on a corrupt metadata snapshot, naming the file", async () => {
  await using server = await startServer();
  {
    await using client = await connect(server);
    await client.createStream("a");
  }
  await server.kill("SIGTERM"); // writes the snapshot
  const snapshot = join(server.dataDir, "state", "metadata.json");
  const text = await Deno.readTextFile(snapshot);
  await Deno.writeTextFile(snapshot, text.slice(0, text.length / 2));
  await assert.rejects(
    () => server.restart(),
    (err: Error) =>
      err.message.includes(snapshot) &&
      /error: Cannot open the data directory/.test(err.message) &&
      !/^\s+at /m.test(err.message), // one line, no stack
  );
  assert.equal(
    (await Deno.readTextFile(snapshot)).length,
    Math.floor(text.length / 2),
    "the snapshot is left as it was",
  );
});

Deno.test("after a kill -9 in the middle of metadata changes, every acknowledged change is there and nothing else", async () => {
  await using server = await startServer({
    env: { IGGY_SYSTEM_STATE_SNAPSHOT_ENTRIES: "7" },
  });
  const acknowledged: string[] = [];
  const attempted: string[] = [];
  {
    const clients = await Promise.all([0, 1, 2].map(() => connect(server)));
    let stop = false;
    const writers = clients.map(async (client, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        attempted.push(name);
        try {
          await client.createStream(name);
          await client.createTopic(name, "t", { partitionsCount: 2 });
          acknowledged.push(name);
        } catch {
          return; // the connection died with the server
        }
      }
    });
    // Kill once a fair number of changes went through (and several snapshots were written).
    await waitFor("40 acknowledged changes", () => acknowledged.length >= 40, {
      timeoutMs: 60_000,
      intervalMs: 5,
    });
    await server.kill("SIGKILL");
    stop = true;
    await Promise.all(writers);
    for (const client of clients) await client.close().catch(() => {});
  }
  await server.restart();
  await using client = await connect(server);
  const streams = await client.getStreams();
  const names = new Set(streams.map((s) => s.name));
  for (const name of acknowledged) {
    assert.ok(names.has(name), `acknowledged stream "${name}" is there`);
    assert.equal((await client.getTopic(name, "t"))?.partitionsCount, 2);
  }
  for (const name of names) {
    assert.ok(attempted.includes(name), `"${name}" was asked for`);
  }
  // The next change goes on from the recovered state.
  await client.createStream("after");
});
