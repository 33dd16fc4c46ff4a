/**
 * The password workers start from the bundled server too (`deno task bundle`): `deno bundle` does
 * not follow `new Worker(new URL(...))`, so the pool starts them from a self-contained module text.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../../_server.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

Deno.test("a bundled server hashes and verifies passwords on its workers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "iggy_bundle_" });
  try {
    const bundle = `${dir}/iggy-server.js`;
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "deno", "-o", bundle, "server/main.ts"],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(success, new TextDecoder().decode(stderr));
    await using server = await startServer({
      entry: bundle,
      env: { IGGY_QUIC_ENABLED: "false", IGGY_WEBSOCKET_ENABLED: "false" },
    });
    const base = `http://${server.http!.hostname}:${server.http!.port}`;
    const login = (password: string) =>
      fetch(`${base}/users/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "iggy", password }),
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
    // The root user was hashed on a worker at start; logins are verified on one.
    assert.equal((await login("iggy")).status, 200);
    const wrong = await login("wrong");
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, "invalid_credentials");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
