/** Checks that the transports' end-to-end tests share. */
import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
  ErrorCode,
  type IggyClient,
  IggyError,
} from "../../mod.ts";
import type { TestServer } from "../_server.ts";
import { waitFor } from "../_assert.ts";
import type { Transport } from "../../client/transport.ts";
import { encodeRequest } from "../../client/protocol/mod.ts";

/**
 * Sends a Ping frame that is a view into a larger buffer (as a prepared batch's frame is), one whose
 * length field does not match (RangeError), and a command that needs a login (the server's error).
 */
export async function assertRequestFrame(transport: Transport): Promise<void> {
  const ping = encodeRequest(CommandCode.Ping, new Uint8Array());
  const buffer = new Uint8Array(ping.length + 16);
  buffer.set(ping, 10);
  const answer = await transport.requestFrame!(
    buffer.subarray(10, 10 + ping.length),
  );
  assert.equal(answer.length, 0);
  await assert.rejects(
    transport.requestFrame!(buffer.subarray(10, 10 + ping.length + 1)),
    RangeError,
  );
  await assert.rejects(
    transport.requestFrame!(
      encodeRequest(CommandCode.GetStats, new Uint8Array()),
    ),
    (err: unknown) =>
      err instanceof IggyError && err.code === ErrorCode.Unauthenticated,
  );
}

/**
 * Stops `server` with SIGTERM while `client` is connected and idle: the server exits cleanly and the
 * client notices it is closed (later requests reject with ConnectionError).
 */
export async function assertClosedOnShutdown(
  server: TestServer,
  client: IggyClient,
): Promise<void> {
  await client.ping();
  const status = await server.kill("SIGTERM");
  assert.equal(status?.success, true);
  await waitFor("the client to close", () => client.closed, {
    timeoutMs: 5000,
    intervalMs: 5,
  });
  await assert.rejects(client.ping(), ConnectionError);
}
