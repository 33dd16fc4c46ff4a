import assert from "node:assert/strict";
import { Output, toJson } from "../../cli/_output.ts";

function capture(mode: "table" | "list" | "json", quiet = false) {
  let stdout = "";
  let stderr = "";
  const out = new Output({
    mode,
    quiet,
    tty: false,
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
  });
  return { out, text: () => ({ stdout, stderr }) };
}

const COLUMNS = [{ key: "id", header: "ID" }, { key: "name", header: "Name" }];

Deno.test("toJson() writes u64/u128 exactly, bytes as base64 and maps as objects", () => {
  const text = toJson({
    big: 2n ** 128n - 1n,
    bytes: new Uint8Array([1, 2, 3]),
    map: new Map([[1, true]]),
    skipped: undefined,
  });
  assert.match(text, /"big": 340282366920938463463374607431768211455\b/);
  assert.match(text, /"bytes": "AQID"/);
  assert.deepEqual(JSON.parse(text).map, { 1: true });
  assert.equal("skipped" in JSON.parse(text), false);
});

Deno.test("Output.rows() prints a table, tab-separated lines or JSON, without colours off a TTY", () => {
  const rows = [{ id: 0, name: "prod", extra: 5n }];
  const table = capture("table");
  table.out.rows(COLUMNS, rows);
  assert.match(table.text().stdout, /│ ID │ Name │/);
  assert.equal(table.text().stdout.includes("\x1b["), false);
  const list = capture("list");
  list.out.rows(COLUMNS, rows);
  assert.equal(list.text().stdout, "0\tprod\n");
  const json = capture("json");
  json.out.rows(COLUMNS, rows);
  assert.deepEqual(JSON.parse(json.text().stdout), [{
    id: 0,
    name: "prod",
    extra: 5,
  }]);
});

Deno.test("Output.done() is silent when quiet and JSON in json mode", () => {
  const quiet = capture("table", true);
  quiet.out.done("Stream created");
  quiet.out.note("working");
  assert.deepEqual(quiet.text(), { stdout: "", stderr: "" });
  const json = capture("json");
  json.out.done("Stream created", { id: 1n });
  assert.deepEqual(JSON.parse(json.text().stdout), { id: 1 });
});
