/**
 * The browser side of `tests/e2e/browser_test.ts`: bundled for the page, it connects over WebSocket
 * with the SDK, sends messages, polls them back and posts what it got to `/result`.
 * @module
 */

import {
  IggyClient,
  Partitioning,
  PollingStrategy,
  WebSocketTransport,
} from "../../../mod.ts";

const MESSAGE_COUNT = 5;

async function run(): Promise<Record<string, unknown>> {
  const url = new URLSearchParams(globalThis.location.search).get("ws");
  if (url === null) throw new Error("The page needs ?ws=<url>");
  const transport = await WebSocketTransport.connect({ url, timeout: 10_000 });
  const client = new IggyClient(transport);
  try {
    await client.login("iggy", "iggy");
    await client.createStream("browser");
    await client.createTopic("browser", "events", { partitionsCount: 1 });
    await client.sendMessages({
      streamId: "browser",
      topicId: "events",
      partitioning: Partitioning.partitionId(0),
      messages: Array.from({ length: MESSAGE_COUNT }, (_, i) => ({
        payload: `hello from the browser ${i}`,
      })),
    });
    const polled = await client.pollMessages({
      streamId: "browser",
      topicId: "events",
      partitionId: 0,
      strategy: PollingStrategy.first(),
      count: 100,
    });
    const decoder = new TextDecoder();
    return {
      ok: true,
      hasDeno: "Deno" in globalThis,
      offsets: polled.messages.map((m) => String(m.offset)),
      payloads: polled.messages.map((m) => decoder.decode(m.payload)),
    };
  } finally {
    await client.close();
  }
}

async function report(result: Record<string, unknown>): Promise<void> {
  await fetch("/result", { method: "POST", body: JSON.stringify(result) });
}

run().then(
  (result) => report(result),
  (err) => report({ ok: false, error: String(err?.stack ?? err) }),
);
