import assert from "node:assert/strict";
import { IggyClient, WebSocketTransport } from "../../mod.ts";
import {
  assertClosedOnShutdown,
  assertRequestFrame,
} from "./_transport_checks.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";

clientSuite("websocket", (server) =>
  IggyClient.connect({
    transport: "websocket",
    ...server.websocket!,
    username: "iggy",
    password: "iggy",
  }));

Deno.test("IggyClient over websocket: a socket sending garbage is closed, others are served", async () => {
  await using server = await startServer();
  const { hostname, port } = server.websocket!;
  await using client = await IggyClient.connect(
    `iggy+ws://iggy:iggy@${hostname}:${port}`,
  );
  const socket = new WebSocket(`ws://${hostname}:${port}/`);
  const closed = new Promise<CloseEvent>((resolve) => socket.onclose = resolve);
  await new Promise((resolve) => socket.onopen = resolve);
  socket.send(Uint8Array.of(1, 2, 3));
  assert.equal((await closed).code, 1003);
  await client.ping();
  assert.match(
    server.stderr(),
    /Closing WebSocket connection: invalid message/,
  );
});

Deno.test("IggyClient over websocket is closed when the server shuts down", async () => {
  await using server = await startServer();
  await using client = await IggyClient.connect({
    transport: "websocket",
    ...server.websocket!,
    username: "iggy",
    password: "iggy",
    reconnect: false, // reconnection is on by default (reconnect_test.ts)
  });
  await assertClosedOnShutdown(server, client);
});

Deno.test("WebSocketTransport.requestFrame() sends a whole frame as is and rejects one whose length is wrong", async () => {
  await using server = await startServer();
  const transport = await WebSocketTransport.connect({
    ...server.websocket!,
    timeout: 5000,
  });
  try {
    await assertRequestFrame(transport);
  } finally {
    await transport.close();
  }
});
