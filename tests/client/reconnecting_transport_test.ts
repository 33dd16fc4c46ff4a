import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
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
