/**
 * The connection's read buffer starts small and grows: requests that fill it (pipelined), and a
 * payload larger than its first size, are read whole and answered in order, on the real server.
 */
import assert from "node:assert/strict";
import { CommandCode, encodeRequest } from "../../../client/protocol/mod.ts";
import { startServer } from "../../_server.ts";
import { RawClient } from "../_raw_client.ts";
import { concat } from "../../protocol/_codec.ts";

Deno.test("TCP connection answers 2,000 pipelined pings and a 40 KiB request written in one go", async () => {
  await using server = await startServer();
  const client = await RawClient.connect(server.tcp.port);
  try {
    await client.loginRoot();
    const ping = encodeRequest(CommandCode.Ping, new Uint8Array());
    // 2,000 pings (16 KB), then a CreateStream whose 40 KiB payload names no stream (length 0), then a ping:
    // all in one write, so the first read fills the small buffer.
    const big = new Uint8Array(40 * 1024);
    const parts = [
      ...Array.from({ length: 2000 }, () => ping),
      encodeRequest(CommandCode.CreateStream, big),
      ping,
    ];
    await client.write(concat(...parts));
    for (let i = 0; i < 2000; i++) {
      assert.equal((await client.answer())?.status, 0, `ping ${i}`);
    }
    const refused = await client.answer();
    assert.ok(refused && refused.status !== 0 && refused.status !== 1);
    assert.equal((await client.answer())?.status, 0, "the ping after it");
  } finally {
    client.close();
  }
});
