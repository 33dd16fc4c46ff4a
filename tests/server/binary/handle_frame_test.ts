/** The binary layer in process: size caps before the payload, answers, and memory released. */
import assert from "node:assert/strict";
import {
  CommandCode,
  encodeRequest,
  ErrorCode,
} from "../../../client/protocol/mod.ts";
import {
  type BinaryContext,
  handleFrame,
  listenerContext,
  refuseOversized,
} from "../../../server/binary/handle_frame.ts";
import { Session } from "../../../server/binary/session.ts";
import { parseRequestHeader } from "../../../server/binary/framing.ts";
import { createLogger } from "../../../server/logger.ts";
import type { System } from "../../../server/domain/system.ts";
import { MessageMemory } from "../../../server/storage/message_memory.ts";
import { initHashing } from "../../../server/storage/stamp.ts";

await initHashing();

function contextFor(session: Session): BinaryContext {
  const logger = createLogger("off");
  const system = { users: new Map([[0, {}]]), logger } as unknown as System;
  const warnings: unknown[] = [];
  return {
    ...listenerContext(system, {
      module: "test",
      log: { warn: (...args: unknown[]) => warnings.push(args) },
      limits: { maxUnauthenticatedSize: 1024, maxSendMessagesSize: 4096 },
    }),
    session,
    memory: new MessageMemory(),
  };
}

Deno.test("parseRequestHeader() reads code and payload length, and refuses a length below 4", () => {
  const ping = encodeRequest(CommandCode.Ping, new Uint8Array(6));
  assert.deepEqual(parseRequestHeader(ping), {
    code: CommandCode.Ping,
    payloadLength: 6,
  });
  assert.equal(
    parseRequestHeader(Uint8Array.of(3, 0, 0, 0, 1, 0, 0, 0)),
    undefined,
  );
});

Deno.test("refuseOversized() answers a payload over the pre-login cap and closes", () => {
  const ctx = contextFor(new Session(1, 1, "127.0.0.1:1"));
  const code = CommandCode.LoginUser;
  assert.equal(refuseOversized(ctx, { code, payloadLength: 1024 }), undefined);
  assert.deepEqual(refuseOversized(ctx, { code, payloadLength: 1025 }), {
    status: ErrorCode.InvalidCommand,
    chunks: [],
    close: true,
  });
});

Deno.test("handleFrame() answers a stale client 30, closes, and releases the request buffer", async () => {
  const session = new Session(1, 1, "127.0.0.1:1");
  session.userId = 0;
  session.stale = true;
  const ctx = contextFor(session);
  const payload = ctx.memory.request(16);
  const answer = await handleFrame(
    ctx,
    { code: CommandCode.Ping, payloadLength: 16 },
    payload,
  );
  assert.deepEqual(answer, {
    status: ErrorCode.StaleClient,
    chunks: [],
    close: true,
  });
  assert.ok(!ctx.memory.lends(payload), "released after the request");
  ctx.memory.request(16); // the next request may take the buffer
});
