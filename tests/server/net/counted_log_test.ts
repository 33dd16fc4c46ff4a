import assert from "node:assert/strict";
import { createLogger } from "../../../server/logger.ts";
import { CountedLog } from "../../../server/net/counted_log.ts";

function setup() {
  const lines: string[] = [];
  let now = 0;
  const log = new CountedLog(
    createLogger("info", { write: (line) => lines.push(line) }),
    { windowMs: 1000, now: () => now },
  );
  return { lines, log, at: (ms: number) => now = ms };
}

Deno.test("CountedLog.warn() writes the first event and counts the repeats of its window", () => {
  const { lines, log, at } = setup();
  for (let i = 0; i < 500; i++) log.warn("Accept failed", { error: `e${i}` });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /WARN {2}Accept failed error=e0$/);
  at(999);
  log.flush();
  assert.equal(lines.length, 1, "the window is not over");
  at(1000);
  log.flush();
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /WARN {2}Accept failed error=e499 repeated=499$/);
  at(5000);
  log.flush();
  assert.equal(lines.length, 2, "nothing left to report");
});

Deno.test("CountedLog counts each message and level apart, and reports a late repeat at once", () => {
  const { lines, log, at } = setup();
  log.warn("A");
  log.info("A");
  log.info("B");
  log.info("B");
  assert.equal(lines.length, 3);
  at(1500);
  // No flush in between: the next event of the kind carries the count.
  log.info("B", { n: 1 });
  assert.match(lines[3]!, /INFO {2}B n=1 repeated=2$/);
  log.info("B");
  assert.equal(lines.length, 4);
});

Deno.test("CountedLog writes nothing below the logger's level", () => {
  const lines: string[] = [];
  const log = new CountedLog(
    createLogger("warn", { write: (line) => lines.push(line) }),
  );
  log.info("quiet");
  log.flush(Infinity);
  assert.deepEqual(lines, []);
});
