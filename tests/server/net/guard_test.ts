import assert from "node:assert/strict";
import { createLogger } from "../../../server/logger.ts";
import {
  ConnectionGuard,
  ipOf,
  startConnectionGuard,
} from "../../../server/net/guard.ts";

function guarded(lines: string[]) {
  const guard = new ConnectionGuard({
    maxConnections: 0,
    maxConnectionsPerIp: 1,
    idleTimeout: 1000,
    handshakeTimeout: 0,
  });
  const logger = createLogger("info", { write: (line) => lines.push(line) });
  return { guard, tcp: guard.forListener(logger.module("tcp")) };
}

Deno.test("ListenerGuard.admit() logs refusals once a window, with a count, to the listener's module", () => {
  const lines: string[] = [];
  const { guard, tcp } = guarded(lines);
  const first = tcp.admit("10.0.0.1:1", "10.0.0.1");
  assert.ok("slot" in first);
  for (let port = 2; port < 12; port++) {
    assert.ok("refused" in tcp.admit(`10.0.0.1:${port}`, "10.0.0.1"));
  }
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    / WARN {2}tcp: Connection refused client=10\.0\.0\.1:2 reason="too many connections from 10\.0\.0\.1 \(limit 1\)"$/,
  );
  guard.close();
  assert.match(lines[1]!, /client=10\.0\.0\.1:11 .* repeated=9$/);
});

Deno.test("ConnectionGuard.tick() closes an idle connection once, logged at INFO", () => {
  const lines: string[] = [];
  const { guard, tcp } = guarded(lines);
  let closed = 0;
  const lastActive = Date.now();
  tcp.watchIdle("10.0.0.1:1", () => lastActive, () => closed++);
  guard.tick(lastActive + 1000);
  assert.equal(closed, 0);
  guard.tick(lastActive + 1001);
  guard.tick(lastActive + 5000);
  assert.equal(closed, 1);
  assert.match(
    lines[0]!,
    / INFO {2}tcp: Closing idle connection client=10\.0\.0\.1:1 /,
  );
  guard.close();
});

Deno.test("startConnectionGuard() lowers a total limit the open-file limit cannot hold", () => {
  const lines: string[] = [];
  const guard = startConnectionGuard({
    maxConnections: Number.MAX_SAFE_INTEGER,
    maxConnectionsPerIp: 0,
    idleTimeout: 0,
    handshakeTimeout: 0,
  }, createLogger("info", { write: (line) => lines.push(line) }));
  guard.close();
  if (Deno.build.os === "linux") {
    assert.match(
      lines[0]!,
      /Connection limit lowered to fit the open-file limit/,
    );
  }
});

Deno.test("ipOf() is the hostname of a network address", () => {
  assert.equal(
    ipOf({ transport: "tcp", hostname: "::1", port: 5 }),
    "::1",
  );
  assert.equal(ipOf({ transport: "unix", path: "/x" }), "unix");
});
