import assert from "node:assert/strict";
import {
  type ByteStream,
  writeAnswer,
} from "../../../server/tcp/connection.ts";
import { AnswerArena } from "../../../server/storage/message_memory.ts";

/** A stream that records every write (whole: it accepts all bytes at once). */
class RecordingStream implements ByteStream {
  writes: Uint8Array[] = [];
  read(): Promise<number | null> {
    return Promise.resolve(null);
  }
  write(bytes: Uint8Array): Promise<number> {
    this.writes.push(bytes.slice());
    return Promise.resolve(bytes.length);
  }
  close(): void {}
}

function filled(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** The frame a client expects: `[status 0][length][payload]`. */
function expectedFrame(chunks: Uint8Array[]): Uint8Array {
  const length = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(8 + length);
  new DataView(out.buffer).setUint32(4, length, true);
  let at = 8;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function joined(writes: Uint8Array[]): Uint8Array {
  return expectedFrame(writes).subarray(8);
}

Deno.test("writeAnswer() writes a large answer laid out in the arena with one write", async () => {
  const arena = new AnswerArena();
  arena.reset();
  arena.allocate(1_500_000); // a first answer grows the arena
  arena.reset();
  const header = filled(16, 1);
  const a = arena.allocate(700_000);
  a.set(filled(a.length, 2));
  const b = arena.allocate(500_000);
  b.set(filled(b.length, 3));
  const stream = new RecordingStream();
  await writeAnswer(stream, [header, a, b], arena);
  assert.equal(stream.writes.length, 1);
  assert.deepEqual(stream.writes[0], expectedFrame([header, a, b]));

  // The next request reuses the buffer the same way.
  arena.reset();
  const c = arena.allocate(400_000);
  c.set(filled(c.length, 4));
  const again = new RecordingStream();
  await writeAnswer(again, [header, c], arena);
  assert.equal(again.writes.length, 1);
  assert.deepEqual(again.writes[0], expectedFrame([header, c]));
});

Deno.test("writeAnswer() falls back to one write per chunk when regions are not back to back", async () => {
  const arena = new AnswerArena();
  arena.reset();
  const header = filled(16, 1);
  const a = arena.allocate(600_000);
  a.set(filled(a.length, 5));
  // Larger than what is left: the arena moves to a new buffer.
  const b = arena.allocate(2_000_000);
  b.set(filled(b.length, 6));
  const stream = new RecordingStream();
  await writeAnswer(stream, [header, b, a], arena);
  assert.ok(stream.writes.length > 1);
  assert.deepEqual(joined(stream.writes), expectedFrame([header, b, a]));

  // Chunks from elsewhere (not the arena) also go one by one.
  const elsewhere = filled(300_000, 7);
  const other = new RecordingStream();
  await writeAnswer(other, [header, elsewhere], arena);
  assert.equal(other.writes.length, 2);
  assert.deepEqual(joined(other.writes), expectedFrame([header, elsewhere]));
});

Deno.test("writeAnswer() copies a small answer into one write", async () => {
  const stream = new RecordingStream();
  const chunks = [filled(16, 1), filled(1000, 2)];
  await writeAnswer(stream, chunks, new AnswerArena());
  assert.equal(stream.writes.length, 1);
  assert.deepEqual(stream.writes[0], expectedFrame(chunks));
});
