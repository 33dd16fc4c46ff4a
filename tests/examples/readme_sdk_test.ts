/**
 * The README's first SDK example, run as a user would copy it: twice against one server (the
 * second run must find what the first declared, not fail with "already exists").
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "../../mod.ts";
import { runCommand } from "../_run.ts";
import { startServer } from "../_server.ts";
import { withTempDir } from "../_temp_dir.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const README_URL = "iggy://iggy:iggy@127.0.0.1:8090";

/** The README's `## SDK` section, up to the next `## ` heading. */
async function readmeSdkSection(): Promise<string> {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const start = readme.indexOf("\n## SDK\n");
  assert.ok(start >= 0, "README has an SDK section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The first ```ts block of the SDK section. */
async function readmeSdkExample(): Promise<string> {
  const readme = await readmeSdkSection();
  const start = readme.indexOf("```ts\n");
  const end = readme.indexOf("\n```", start + 6);
  const code = readme.slice(start + 6, end);
  assert.ok(code.includes(README_URL), "the example connects to " + README_URL);
  return code;
}

Deno.test("the README's SDK example runs twice against one server", async () => {
  await using server = await startServer();
  const url = `iggy://iggy:iggy@${server.tcp.hostname}:${server.tcp.port}`;
  const code = (await readmeSdkExample()).replaceAll(README_URL, url);
  await withTempDir(async (dir) => {
    const file = join(dir, "readme_example.ts");
    await Deno.writeTextFile(file, code);
    for (let run = 1; run <= 2; run++) {
      const out = await runCommand(
        ["deno", "run", "-A", "--config", join(ROOT, "deno.json"), file],
        { cwd: ROOT, timeoutMs: 60_000 },
      );
      assert.equal(out.code, 0, `run ${run} failed:\n${out.stderr}`);
      assert.doesNotMatch(out.stderr, /error/i, `run ${run}`);
    }
  });
  await using client = await connect(url);
  assert.deepEqual((await client.getStreams()).map((s) => s.name), [
    "orders",
  ]);
  const topic = await client.getTopic({
    streamId: "orders",
    topicId: "created",
  });
  assert.equal(topic?.partitionsCount, 3);
  assert.equal(topic?.messagesCount, 4n, "two messages per run");
});

Deno.test("every ts block of the README's SDK section type-checks against the SDK", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "sdk.md");
    await Deno.writeTextFile(file, await readmeSdkSection());
    const out = await runCommand(
      [
        "deno",
        "check",
        "--doc-only",
        "--config",
        join(ROOT, "deno.json"),
        file,
      ],
      { cwd: ROOT, timeoutMs: 120_000 },
    );
    assert.equal(out.code, 0, out.stderr);
  });
});
