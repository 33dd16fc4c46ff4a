/**
 * `deno task build:npm`: builds the SDK (`mod.ts` and what it imports from `client/`) as an npm package in
 * `dist/npm/`, packed as `dist/iggy-client-<version>.tgz`. TypeScript's own compiler (pinned below, run
 * under Node) emits ES modules and `.d.ts` files, rewriting the sources' `.ts` import extensions to `.js`;
 * the package gets `exports`, `engines`, its one dependency (lossless-json, at deno.json's pin), a README
 * and the LICENSE. The tools are installed once into `dist/.npm-tools/` and reused.
 *
 *   deno task build:npm            # prints the tarball's path last
 * @module
 */

import { fileURLToPath } from "node:url";

/** The compiler and the types the build needs (bump deliberately). */
const TOOLS = {
  "typescript": "5.9.3",
  "@types/node": "20.19.43",
} as const;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = `${ROOT}dist`;
const TOOLS_DIR = `${DIST}/.npm-tools`;
const OUT = `${DIST}/npm`;

interface DenoJson {
  name: string;
  version: string;
  license: string;
  imports: Record<string, string>;
}

/** Runs a command; its output is shown only when it fails. */
async function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const stdout = decoder.decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (exit ${output.code}):\n${stdout}${
        decoder.decode(output.stderr)
      }`,
    );
  }
  return stdout;
}

/** `npm:lossless-json@4.3.3` -> `4.3.3`. */
function npmVersion(specifier: string): string {
  const match = specifier.match(/^npm:(?:@[^/]+\/)?[^@]+@([^/]+)$/);
  if (!match) throw new Error(`Not a pinned npm specifier: ${specifier}`);
  return match[1]!;
}

/** Installs the pinned tools (and the SDK's dependency, for its types) unless they are there already. */
async function installTools(dependencies: Record<string, string>) {
  const wanted = JSON.stringify(
    {
      private: true,
      type: "module",
      dependencies: { ...TOOLS, ...dependencies },
    },
    null,
    2,
  );
  const manifest = `${TOOLS_DIR}/package.json`;
  const current = await Deno.readTextFile(manifest).catch(() => "");
  if (
    current === wanted &&
    await Deno.stat(`${TOOLS_DIR}/node_modules/typescript/bin/tsc`).then(
      () => true,
      () => false,
    )
  ) return;
  await Deno.mkdir(TOOLS_DIR, { recursive: true });
  await Deno.writeTextFile(manifest, wanted);
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--prefer-offline",
  ], TOOLS_DIR);
}

/** Copies `mod.ts` and `client/` into the tools directory, where Node's resolution finds the deps. */
async function copySources(into: string) {
  await Deno.remove(into, { recursive: true }).catch(() => {});
  await Deno.mkdir(into, { recursive: true });
  await Deno.copyFile(`${ROOT}mod.ts`, `${into}/mod.ts`);
  await run("cp", ["-R", `${ROOT}client`, `${into}/client`], ROOT);
  // Deno's own declarations (the SDK uses Deno.connect & co. when it runs in Deno), without the
  // `/// <reference lib="deno.*" />` lines that only Deno's compiler knows.
  const denoTypes = await run(Deno.execPath(), ["types"], ROOT);
  await Deno.writeTextFile(
    `${into}/deno.d.ts`,
    denoTypes.replace(/^\/\/\/ <reference .*\/>$/gm, ""),
  );
}

async function compile(sources: string, outDir: string) {
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2024"],
      types: ["node"],
      strict: true,
      declaration: true,
      rewriteRelativeImportExtensions: true,
      // Deno's and Node's global declarations overlap (setTimeout, fetch...): do not check them.
      skipLibCheck: true,
      rootDir: sources,
      outDir,
      newLine: "lf",
    },
    files: [`${sources}/mod.ts`, `${sources}/deno.d.ts`],
  };
  await Deno.writeTextFile(
    `${TOOLS_DIR}/tsconfig.json`,
    JSON.stringify(tsconfig, null, 2),
  );
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await run("node", [
    `${TOOLS_DIR}/node_modules/typescript/bin/tsc`,
    "-p",
    `${TOOLS_DIR}/tsconfig.json`,
  ], TOOLS_DIR);
  // `deno.d.ts` is only there for the compiler; its output is empty.
  await Deno.remove(`${outDir}/deno.js`).catch(() => {});
  await Deno.remove(`${outDir}/deno.d.ts`).catch(() => {});
}

/**
 * Declarations must not need Deno's types: a Node or Bun user has none. A Deno-only type in a public
 * signature (the connection `QuicTransport` wraps) becomes `never` there: nothing outside Deno can
 * supply one. Anything else that names Deno fails the build.
 */
async function stripDenoTypes(dir: string) {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      await stripDenoTypes(path);
      continue;
    }
    if (!entry.name.endsWith(".d.ts")) continue;
    const lines = (await Deno.readTextFile(path)).split("\n");
    for (const [i, line] of lines.entries()) {
      if (/^\s*(\*|\/\/)/.test(line)) continue;
      lines[i] = line.replace(
        /\bDeno\.(QuicConn|Conn|HttpClient)\b/g,
        "never /* Deno.$1: Deno only */",
      );
      const code = lines[i]!.replace(/\/\*.*?\*\//g, "");
      if (/\bDeno\./.test(code)) {
        throw new Error(
          `${path} names a Deno type, which npm users cannot resolve: ${line.trim()}`,
        );
      }
    }
    await Deno.writeTextFile(path, lines.join("\n"));
  }
}

/**
 * Builds the package and packs it.
 *
 * @returns The path of the `.tgz`.
 */
export async function buildNpmPackage(): Promise<string> {
  const denoJson = JSON.parse(
    await Deno.readTextFile(`${ROOT}deno.json`),
  ) as DenoJson;
  const dependencies = {
    "lossless-json": npmVersion(denoJson.imports["lossless-json"]!),
  };
  await installTools(dependencies);
  const sources = `${TOOLS_DIR}/src`;
  await copySources(sources);

  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await compile(sources, `${OUT}/esm`);
  await stripDenoTypes(`${OUT}/esm`);

  const packageJson = {
    name: denoJson.name,
    version: denoJson.version,
    description:
      "Client SDK for Apache Iggy 0.8.0's protocol (TCP, TLS, HTTP, WebSocket): typed client, producer and consumer",
    license: denoJson.license,
    type: "module",
    exports: {
      ".": { types: "./esm/mod.d.ts", default: "./esm/mod.js" },
      "./package.json": "./package.json",
    },
    main: "./esm/mod.js",
    types: "./esm/mod.d.ts",
    files: ["esm", "README.md", "LICENSE"],
    sideEffects: false,
    engines: { node: ">=20" },
    dependencies: Object.fromEntries(
      Object.entries(dependencies).map((
        [name, version],
      ) => [name, `^${version}`]),
    ),
    keywords: ["iggy", "streaming", "messaging", "client"],
  };
  await Deno.writeTextFile(
    `${OUT}/package.json`,
    JSON.stringify(packageJson, null, 2) + "\n",
  );
  await Deno.copyFile(`${ROOT}deploy/npm/README.md`, `${OUT}/README.md`);
  await Deno.copyFile(`${ROOT}LICENSE`, `${OUT}/LICENSE`);

  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--pack-destination", DIST], OUT),
  ) as { filename: string }[];
  return `${DIST}/${packed[0]!.filename}`;
}

if (import.meta.main) {
  console.log(await buildNpmPackage());
}
