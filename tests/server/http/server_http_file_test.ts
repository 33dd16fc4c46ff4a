/**
 * Runs every request of `configs/server.http` in order against the API, so the examples stay valid.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { openApi } from "./_app.ts";

interface Example {
  title: string;
  name?: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function parseExamples(
  text: string,
): { vars: Record<string, string>; examples: Example[] } {
  const vars: Record<string, string> = {};
  const [head, ...blocks] = text.split(/^### /m);
  for (const line of head!.split("\n")) {
    const m = /^@(\w+) = (.*)$/.exec(line);
    if (m) vars[m[1]!] = m[2]!;
  }
  const examples = blocks.map((block) => {
    const lines = block.split("\n");
    const title = lines.shift()!;
    let name: string | undefined;
    while (lines[0]?.startsWith("#")) {
      name = /^# @name (\w+)/.exec(lines.shift()!)?.[1] ?? name;
    }
    const [method, path] = lines.shift()!.split(" ");
    const headers: Record<string, string> = {};
    while (lines.length && lines[0] !== "") {
      const [key, ...rest] = lines.shift()!.split(": ");
      headers[key!.toLowerCase()] = rest.join(": ");
    }
    const body = lines.join("\n").trim();
    return {
      title,
      name,
      method: method!,
      path: path!,
      headers,
      body: body || undefined,
    };
  });
  return { vars, examples };
}

Deno.test("configs/server.http has a working example for every request", async () => {
  await using t = await openApi();
  const file = fileURLToPath(
    new URL("../../../configs/server.http", import.meta.url),
  );
  const { vars, examples } = parseExamples(await Deno.readTextFile(file));
  const responses: Record<string, unknown> = {};
  const resolve = (text: string): string =>
    text.replace(/\{\{([\w.]+)\}\}/g, (_all, key: string) => {
      if (key === "url") return "";
      if (key in vars) return resolve(vars[key]!);
      // deno-lint-ignore no-explicit-any
      let value: any = responses;
      for (const part of key.replace(".response.body", "").split(".")) {
        value = value?.[part];
      }
      assert.ok(value !== undefined, `unresolved {{${key}}}`);
      return String(value);
    });
  const expectedFailures: Record<string, number> = {
    "Client": 404,
  };
  const routes = new Set<string>();
  for (const example of examples) {
    const headers = Object.fromEntries(
      Object.entries(example.headers).map(([k, v]) => [k, resolve(v)]),
    );
    const path = resolve(example.path);
    const res = await t.api.app.request(path, {
      method: example.method,
      headers,
      body: example.body ? resolve(example.body) : undefined,
    });
    const text = await res.text();
    const expected = expectedFailures[example.title];
    if (expected) {
      assert.equal(res.status, expected, `${example.title}: ${text}`);
    } else {assert.ok(
        res.status < 300,
        `${example.title}: ${res.status} ${text}`,
      );}
    if (example.name) responses[example.name] = JSON.parse(text);
    routes.add(`${example.method} ${example.path.split("?")[0]}`);
  }
  // Every route of http.md §5 (except the optional /ui) (routes 1–47) appears at least once.
  assert.equal(routes.size, 47);
});
