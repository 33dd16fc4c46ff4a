import assert from "node:assert/strict";
import { ConnectionError, IggyClient } from "../../mod.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";

clientSuite("tcp", (server) =>
  IggyClient.connect({
    transport: "tcp",
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  }));

Deno.test("IggyClient over tcp is closed when the server shuts down", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  await client.ping();
  const status = await server.kill("SIGTERM");
  assert.equal(status?.success, true);
  // The server says "disconnected" (status 8) and closes; wait for the condition with a deadline.
  const deadline = performance.now() + 5000;
  while (!client.closed && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal(client.closed, true);
  await assert.rejects(client.ping(), ConnectionError);
});
