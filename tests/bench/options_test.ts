import assert from "node:assert/strict";
import { DEFAULTS, parseBenchArgs, USAGE } from "../../bench/options.ts";

Deno.test("parseBenchArgs() defaults --rounds to 3", () => {
  assert.equal(DEFAULTS.rounds, 7);
  assert.equal(parseBenchArgs(["ceiling"])?.rounds, 7);
  assert.match(USAGE, /--rounds <n>/);
});

Deno.test("parseBenchArgs() reads --rounds", () => {
  assert.equal(parseBenchArgs(["ceiling", "--rounds", "5"])?.rounds, 5);
  assert.equal(parseBenchArgs(["--", "ceiling", "--rounds=1"])?.rounds, 1);
});

Deno.test("parseBenchArgs() rejects a --rounds value that is not a positive integer", () => {
  for (const value of ["0", "-1", "x", "1.5", ""]) {
    assert.throws(
      () => parseBenchArgs(["ceiling", `--rounds=${value}`]),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === `--rounds must be a positive integer: "${value}"`,
      value,
    );
  }
});

Deno.test("parseBenchArgs() still takes 0 where a count may be 0", () => {
  assert.equal(
    parseBenchArgs(["pinned-producer", "-b", "0"])?.messageBatches,
    0,
  );
  assert.throws(
    () => parseBenchArgs(["pinned-producer", "-p", "x"]),
    /--producers must be a non-negative integer: "x"/,
  );
});
