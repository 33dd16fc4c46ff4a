/**
 * Random frames against the TCP server: every frame gets a protocol answer (never the generic
 * error of an unexpected exception), the server never crashes or hangs, and the connection stays
 * in sync for the next request.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../../server/binary/table.ts";
import { CommandCode, encodeRequest } from "../../client/protocol/mod.ts";
import { startServer } from "../_server.ts";
import { RawClient } from "./_raw_client.ts";
import { prng as random } from "../fuzz/_cases.ts";

const CODES = [...COMMANDS.keys()].filter((code) =>
  // Deleting or changing the root user would only make later frames fail for another reason.
  code !== CommandCode.DeleteUser && code !== CommandCode.ChangePassword &&
  code !== CommandCode.UpdateUser && code !== CommandCode.LogoutUser
);

Deno.test("TCP server answers 600 random frames and stays in sync", async () => {
  await using server = await startServer();
  const client = await RawClient.connect(server.tcp.port);
  try {
    await client.loginRoot();
    // A few objects for the random frames to hit.
    const name = (text: string) =>
      Uint8Array.of(text.length, ...new TextEncoder().encode(text));
    assert.equal(
      (await client.request(CommandCode.CreateStream, name("g"))).status,
      0,
    );
    const seed = 20261126;
    const next = random(seed);
    for (let i = 0; i < 600; i++) {
      const code = CODES[Math.floor(next() * CODES.length)]!;
      const payload = new Uint8Array(Math.floor(next() * 120));
      for (let b = 0; b < payload.length; b++) {
        // Mostly small bytes, so identifiers, kinds and lengths are often almost valid.
        payload[b] = next() < 0.7
          ? Math.floor(next() * 8)
          : Math.floor(next() * 256);
      }
      const answer = await client.request(code, payload);
      // 1 (`Error`) is what an unexpected exception in a handler becomes: never for bad input.
      assert.notEqual(
        answer.status,
        1,
        `seed ${seed}, frame ${i}: code ${code} failed unexpectedly`,
      );
      const ping = await client.request(CommandCode.Ping);
      assert.equal(
        ping.status,
        0,
        `seed ${seed}, frame ${i} (code ${code}) left the connection out of sync`,
      );
    }
  } finally {
    client.close();
  }
  // The server process is still alive and serving others.
  const other = await RawClient.connect(server.tcp.port);
  try {
    await other.write(encodeRequest(CommandCode.Ping, new Uint8Array()));
    assert.equal((await other.answer())?.status, 0);
  } finally {
    other.close();
  }
});
