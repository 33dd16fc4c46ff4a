/**
 * The npm package of the SDK (`deno task build:npm`): its tarball is installed into a scratch Node
 * project, a TypeScript file that uses it is type-checked and compiled with `tsc` (declarations checked
 * too: no skipLibCheck), and the result runs against a real server under Node 20 and Bun. The tools
 * (TypeScript, @types/node, Bun from its npm package) are installed once into a cache directory under
 * the system temp dir and reused.
 */

import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { startServer } from "../_server.ts";
import { withTempDir } from "../_temp_dir.ts";
import { type CommandResult, runCommand } from "../_run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TOOLS = { "typescript": "5.9.3", "@types/node": "20.19.43" };
/** Optional: without it (no binary for this platform, say) Bun is skipped with a warning. */
const OPTIONAL_TOOLS = { "bun": "1.4.5" };
const CACHE = `${tmpdir()}/iggy-ts-npm-consumer-tools`;

function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<CommandResult> {
  return runCommand([command, ...args], { cwd, env: { NO_COLOR: "1" } });
}

async function ok(
  command: string,
  args: string[],
  cwd: string,
): Promise<string> {
  const result = await run(command, args, cwd);
  assert.equal(
    result.code,
    0,
    `${command} ${args.join(" ")}:\n${result.stdout}${result.stderr}`,
  );
  return result.stdout;
}

/** Installs the consumer-side tools once; later runs reuse them. */
async function tools(): Promise<string> {
  const manifest = JSON.stringify({
    private: true,
    dependencies: TOOLS,
    optionalDependencies: OPTIONAL_TOOLS,
  });
  const current = await Deno.readTextFile(`${CACHE}/package.json`).catch(() =>
    ""
  );
  if (current !== manifest) {
    await Deno.mkdir(CACHE, { recursive: true });
    await Deno.writeTextFile(`${CACHE}/package.json`, manifest);
    await ok("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
    ], CACHE);
  }
  return `${CACHE}/node_modules`;
}

const nodeAvailable = await run("node", ["--version"], ROOT).then(
  (r) => r.code === 0 && r.stdout.startsWith("v"),
  () => false,
);
if (!nodeAvailable) {
  console.warn("node/npm not found: skipping the npm package test");
}

/** The consumer: every call is type-checked against the package's declarations. */
const APP = `import { connect, IggyError, type IggyClient } from "@iggy/client";

const [url, stream] = process.argv.slice(2) as [string, string];
const client: IggyClient = await connect(url);
const created = await client.createStream(stream);
await client.createTopic(created.id, "events", { partitionsCount: 1 });
await client.sendMessages({
  streamId: stream,
  topicId: "events",
  messages: [{ payload: "hello" }, { payload: new TextEncoder().encode("from npm") }],
});
const polled = await client.pollMessages({
  streamId: stream,
  topicId: "events",
  partitionId: 0,
});
const texts: string[] = polled.messages.map((m) => new TextDecoder().decode(m.payload));
let duplicate = "";
try {
  await client.createStream(stream);
} catch (err) {
  duplicate = err instanceof IggyError ? err.codeName : String(err);
}
// @ts-expect-error connect() takes a string or options: the types are real, not any.
void (() => connect(42));
console.log(JSON.stringify({ texts, duplicate }));
await client.close();
`;

const TSCONFIG = (types: string) => ({
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    types: ["node"],
    typeRoots: [`${types}/@types`],
    strict: true,
    skipLibCheck: false,
    outDir: "out",
  },
  files: ["app.ts"],
});

Deno.test({
  name:
    "deno task build:npm: the package installs, type-checks with tsc and runs under Node 20 and Bun",
  ignore: !nodeAvailable,
  async fn() {
    const built = await ok(Deno.execPath(), ["task", "-q", "build:npm"], ROOT);
    const tarball = built.trim().split("\n").at(-1)!;
    assert.match(tarball, /iggy-client-\d+\.\d+\.\d+\.tgz$/);
    const listing = await ok("tar", ["-tzf", tarball], ROOT);
    for (
      const file of [
        "package/package.json",
        "package/README.md",
        "package/LICENSE",
        "package/esm/mod.js",
        "package/esm/mod.d.ts",
      ]
    ) {
      assert.ok(listing.split("\n").includes(file), `${file} packed`);
    }
    const sources = listing.split("\n").filter((file) =>
      file.endsWith(".ts") && !file.endsWith(".d.ts")
    );
    assert.deepEqual(sources, [], "no .ts sources");
    const node_modules = await tools();

    await withTempDir(async (project) => {
      await Deno.writeTextFile(
        `${project}/package.json`,
        JSON.stringify({
          private: true,
          type: "module",
          dependencies: { "@iggy/client": `file:${tarball}` },
        }),
      );
      await ok("npm", [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
      ], project);
      const manifest = JSON.parse(
        await Deno.readTextFile(
          `${project}/node_modules/@iggy/client/package.json`,
        ),
      );
      assert.equal(manifest.engines.node, ">=20");
      assert.equal(manifest.license, "Apache-2.0");
      assert.ok(manifest.exports["."].types);

      await Deno.writeTextFile(`${project}/app.ts`, APP);
      await Deno.writeTextFile(
        `${project}/tsconfig.json`,
        JSON.stringify(TSCONFIG(node_modules)),
      );
      await ok(
        "node",
        [`${node_modules}/typescript/bin/tsc`, "-p", "."],
        project,
      );

      await using server = await startServer({
        env: { IGGY_QUIC_ENABLED: "false" },
      });
      const urls = {
        tcp: `iggy://iggy:iggy@127.0.0.1:${server.tcp.port}`,
        http: `http://iggy:iggy@127.0.0.1:${server.http!.port}`,
      };
      const runtimes: Record<string, string[]> = { node: ["node"] };
      const bun = `${node_modules}/.bin/bun`;
      if (
        (await run(bun, ["--version"], project).catch(() => null))?.code === 0
      ) {
        runtimes.bun = [bun, "run"];
      } else {
        console.warn(
          "Bun is not installed (optional npm package `bun`): skipping Bun",
        );
      }
      for (const [runtime, [command, ...args]] of Object.entries(runtimes)) {
        for (const [transport, url] of Object.entries(urls)) {
          const out = await ok(command!, [
            ...args,
            "out/app.js",
            url,
            `${runtime}-${transport}`,
          ], project);
          assert.deepEqual(
            JSON.parse(out.trim()),
            {
              texts: ["hello", "from npm"],
              duplicate: "StreamNameAlreadyExists",
            },
            `${runtime} over ${transport}`,
          );
        }
      }
    });
  },
});
