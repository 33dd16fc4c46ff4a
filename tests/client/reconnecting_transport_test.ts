import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
  type ConnectionStatus,
  ErrorCode,
  IggyError,
  ReconnectingTransport,
  type Transport,
} from "../../mod.ts";

/** A transport that records requests and can be dropped. */
class FakeTransport implements Transport {
  closed = false;
  readonly requests: number[] = [];

  request(code: number): Promise<Uint8Array> {
    if (this.closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    this.requests.push(code);
    return Promise.resolve(new Uint8Array());
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

Deno.test("ReconnectingTransport reopens a dropped connection and replays the login", async () => {
  const opened: FakeTransport[] = [];
  let failures = 0;
  const transport = await ReconnectingTransport.open(() => {
    if (opened.length === 1 && failures < 2) {
      failures++;
      return Promise.reject(new Error("refused"));
    }
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { retries: 3, delayMs: 1 });
  await transport.request(CommandCode.LoginUser, Uint8Array.of(1, 2, 3));
  await transport.request(CommandCode.Ping, new Uint8Array());
  opened[0]!.closed = true; // the server went away
  await transport.request(CommandCode.GetStreams, new Uint8Array());
  assert.equal(failures, 2, "two failed attempts, then success");
  assert.equal(opened.length, 2);
  assert.deepEqual(opened[1]!.requests, [
    CommandCode.LoginUser,
    CommandCode.GetStreams,
  ]);
  assert.equal(transport.closed, false);
  await transport.close();
  assert.equal(transport.closed, true);
  await assert.rejects(
    transport.request(CommandCode.Ping, new Uint8Array()),
    ConnectionError,
  );
});

Deno.test("ReconnectingTransport forgets the login on logout and gives up after the retries", async () => {
  const opened: FakeTransport[] = [];
  let attempts = 0;
  const transport = await ReconnectingTransport.open(() => {
    attempts++;
    if (attempts > 2) return Promise.reject(new Error("down"));
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { retries: 2, delayMs: 1 });
  await transport.request(CommandCode.LoginUser, new Uint8Array());
  await transport.request(CommandCode.LogoutUser, new Uint8Array());
  opened[0]!.closed = true;
  await transport.request(CommandCode.Ping, new Uint8Array());
  assert.deepEqual(
    opened[1]!.requests,
    [CommandCode.Ping],
    "no login replayed",
  );
  opened[1]!.closed = true;
  await assert.rejects(
    transport.request(CommandCode.Ping, new Uint8Array()),
    (err: unknown) =>
      err instanceof ConnectionError && /after 3 attempts/.test(err.message),
  );
  assert.equal(attempts, 5, "the first two opens, then 1 + 2 retries");
  assert.equal(transport.closed, true);
});

/** A {@linkcode FakeTransport} that also takes whole frames, and records them. */
class FramingTransport extends FakeTransport {
  readonly frames: Uint8Array[] = [];

  requestFrame(frame: Uint8Array): Promise<Uint8Array> {
    if (this.closed) {
      return Promise.reject(new ConnectionError("Connection is closed"));
    }
    this.frames.push(frame);
    return Promise.resolve(new Uint8Array());
  }
}

function frameOf(code: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(8 + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, 4 + payload.length, true);
  view.setUint32(4, code, true);
  frame.set(payload, 8);
  return frame;
}

Deno.test("ReconnectingTransport.requestFrame() forwards the frame as is and replays a login sent as a frame", async () => {
  const opened: FramingTransport[] = [];
  const transport = await ReconnectingTransport.open(() => {
    const next = new FramingTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { delayMs: 1 });
  const login = frameOf(CommandCode.LoginUser, Uint8Array.of(1, 2, 3));
  await transport.requestFrame(login);
  const send = frameOf(CommandCode.SendMessages, new Uint8Array(100));
  await transport.requestFrame(send);
  assert.deepEqual(opened[0]!.frames, [login, send]);
  assert.equal(opened[0]!.frames[1], send, "the frame itself, not a copy");
  opened[0]!.closed = true;
  await transport.requestFrame(send);
  assert.equal(opened.length, 2);
  // The login is replayed through request() with the payload of the frame.
  assert.deepEqual(opened[1]!.requests, [CommandCode.LoginUser]);
  assert.deepEqual(opened[1]!.frames, [send]);
  await assert.rejects(
    transport.requestFrame(new Uint8Array(4)),
    RangeError,
  );
  await transport.close();
  await assert.rejects(transport.requestFrame(send), ConnectionError);
});

Deno.test("ReconnectingTransport.requestFrame() gives a transport without requestFrame the frame's payload, not a copy", async () => {
  const payloads: Uint8Array[] = [];
  const inner: Transport = {
    closed: false,
    request(code: number, payload: Uint8Array): Promise<Uint8Array> {
      payloads.push(payload);
      return Promise.resolve(Uint8Array.of(code));
    },
    close: () => Promise.resolve(),
  };
  const transport = await ReconnectingTransport.open(
    () => Promise.resolve(inner),
  );
  const frame = frameOf(CommandCode.SendMessages, Uint8Array.of(9, 8, 7));
  assert.deepEqual(
    await transport.requestFrame(frame),
    Uint8Array.of(CommandCode.SendMessages),
  );
  assert.equal(payloads.length, 1);
  assert.deepEqual(payloads[0], Uint8Array.of(9, 8, 7));
  assert.equal(payloads[0]!.buffer, frame.buffer);
  assert.equal(payloads[0]!.byteOffset, frame.byteOffset + 8);
  await transport.close();
});

/** Collects the statuses of `transport` until it closes. */
function collectStatuses(transport: ReconnectingTransport): {
  statuses: ConnectionStatus[];
  done: Promise<void>;
} {
  const statuses: ConnectionStatus[] = [];
  const done = (async () => {
    for await (const status of transport.status()) statuses.push(status);
  })();
  return { statuses, done };
}

Deno.test("ReconnectingTransport.status() reports lost, each attempt, reopened and closed in order", async () => {
  const opened: FakeTransport[] = [];
  let refusals = 0;
  const transport = await ReconnectingTransport.open(() => {
    if (opened.length === 1 && refusals < 2) {
      refusals++;
      return Promise.reject(new ConnectionError("refused"));
    }
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { retries: 5, delayMs: 1 });
  const { statuses, done } = collectStatuses(transport);
  opened[0]!.closed = true;
  await transport.request(CommandCode.Ping, new Uint8Array());
  await transport.close();
  await done;
  assert.deepEqual(
    statuses.map((s) =>
      s.type === "reconnecting" ? `try ${s.attempt}` : s.type
    ),
    ["disconnected", "try 1", "try 2", "try 3", "reconnected", "closed"],
  );
  const first = statuses[1] as { delayMs: number };
  assert.equal(first.delayMs, 0, "the first attempt is immediate");
  assert.deepEqual(statuses[4], { type: "reconnected", attempts: 3 });
  // A subscription made after the close ends at once.
  for await (const _ of transport.status()) {
    assert.fail("no status after close");
  }
});

Deno.test("ReconnectingTransport gives up at once when the server refuses the replayed login", async () => {
  const opened: FakeTransport[] = [];
  const transport = await ReconnectingTransport.open(() => {
    const next = new FakeTransport();
    if (opened.length > 0) {
      next.request = () =>
        Promise.reject(new IggyError(ErrorCode.InvalidCredentials));
    }
    opened.push(next);
    return Promise.resolve(next);
  }, { retries: 10, delayMs: 1 });
  const { statuses, done } = collectStatuses(transport);
  await transport.request(CommandCode.LoginUser, Uint8Array.of(1));
  opened[0]!.closed = true;
  await assert.rejects(
    transport.request(CommandCode.Ping, new Uint8Array()),
    (err: unknown) =>
      err instanceof ConnectionError && /log in again/.test(err.message) &&
      err.cause instanceof IggyError,
  );
  await done;
  assert.equal(opened.length, 2, "one attempt only");
  assert.equal(transport.closed, true);
  assert.equal(statuses.at(-1)?.type, "closed");
  assert.ok(
    (statuses.at(-1) as { error?: unknown }).error instanceof ConnectionError,
  );
});

Deno.test("ReconnectingTransport with heartbeatIntervalMs pings while idle and replaces a lost connection by itself", async () => {
  const opened: FakeTransport[] = [];
  const transport = await ReconnectingTransport.open(() => {
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { delayMs: 1, heartbeatIntervalMs: 5 });
  const { statuses, done } = collectStatuses(transport);
  const deadline = Date.now() + 10_000;
  while (!opened[0]!.requests.includes(CommandCode.Ping)) {
    assert.ok(Date.now() < deadline, "a heartbeat ping");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  opened[0]!.closed = true; // lost while idle: no request of ours notices it
  while (opened.length < 2) {
    assert.ok(Date.now() < deadline, "replaced by the heartbeat");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await transport.close();
  await done;
  assert.equal(statuses[0]?.type, "disconnected");
  assert.ok(statuses.some((s) => s.type === "reconnected"));
});

Deno.test("ReconnectingTransport with reestablishAfterMs waits before replacing a young connection", async () => {
  const opened: FakeTransport[] = [];
  const transport = await ReconnectingTransport.open(() => {
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { reestablishAfterMs: 200 });
  const { statuses, done } = collectStatuses(transport);
  opened[0]!.closed = true;
  const start = performance.now();
  await transport.request(CommandCode.Ping, new Uint8Array());
  assert.ok(performance.now() - start >= 100, "waited for the rest of 200 ms");
  const attempt = statuses.find((s) => s.type === "reconnecting") as {
    delayMs: number;
  };
  assert.ok(attempt.delayMs > 100 && attempt.delayMs <= 200);
  await transport.close();
  await done;
});

Deno.test("ReconnectingTransport joins again the groups the lost connection had joined, not those it left", async () => {
  const opened: FakeTransport[] = [];
  const transport = await ReconnectingTransport.open(() => {
    const next = new FakeTransport();
    opened.push(next);
    return Promise.resolve(next);
  }, { delayMs: 1 });
  const groupA = Uint8Array.of(1, 1, 1);
  const groupB = Uint8Array.of(2, 2, 2);
  await transport.request(CommandCode.LoginUser, Uint8Array.of(9));
  await transport.request(CommandCode.JoinConsumerGroup, groupA);
  await transport.request(CommandCode.JoinConsumerGroup, groupB);
  await transport.request(CommandCode.LeaveConsumerGroup, groupB.slice());
  opened[0]!.closed = true;
  await transport.request(CommandCode.Ping, new Uint8Array());
  assert.deepEqual(opened[1]!.requests, [
    CommandCode.LoginUser,
    CommandCode.JoinConsumerGroup,
    CommandCode.Ping,
  ]);
  await transport.close();
});
