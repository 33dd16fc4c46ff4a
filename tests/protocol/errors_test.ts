import assert from "node:assert/strict";
import {
  ERROR_ROWS,
  ERROR_TABLE,
  ErrorCode,
  IggyError,
} from "../../client/protocol/errors.ts";

Deno.test("ERROR_ROWS holds each code and each name once", () => {
  const codes = new Set(ERROR_ROWS.map((row) => row[0]));
  const names = new Set(ERROR_ROWS.map((row) => row[1]));
  assert.equal(codes.size, ERROR_ROWS.length);
  assert.equal(names.size, ERROR_ROWS.length);
  assert.equal(Object.keys(ErrorCode).length, ERROR_ROWS.length);
  for (const [code, name] of ERROR_ROWS) {
    assert.equal(ErrorCode[name], code);
    assert.equal(ERROR_TABLE[code]?.name, name);
  }
});

Deno.test("ERROR_TABLE derives snake names, messages and reasons from one row", () => {
  assert.deepEqual(ERROR_TABLE[ErrorCode.StreamIdNotFound], {
    name: "StreamIdNotFound",
    snake: "stream_id_not_found",
    message: "Stream id not found",
    reason: "Stream with ID: {0} was not found.",
  });
  assert.deepEqual(ERROR_TABLE[ErrorCode.InvalidCommand], {
    name: "InvalidCommand",
    snake: "invalid_command",
    message: "Invalid command",
    reason: "Invalid command",
  });
  assert.equal(ERROR_TABLE[ErrorCode.IoError]?.snake, "io_error");
  assert.equal(
    ERROR_TABLE[ErrorCode.TooManyLoginAttempts]?.reason,
    "Too many login attempts from this address, retry later",
  );
  assert.equal(
    new IggyError(ErrorCode.LoginQueueFull).message,
    "Too many logins in progress, retry later",
  );
});
