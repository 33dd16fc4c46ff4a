/**
 * Deployment recipes, checked without a container engine: the Dockerfile's own steps (its `RUN
 * deploy/install.sh`, `ENV`, `WORKDIR`, `CMD` and `HEALTHCHECK`, read from the file) run against a fresh
 * directory standing in for the image's root; the bundled server runs from a directory with no
 * deno.json; compose.yaml agrees with the Dockerfile; the systemd unit passes `systemd-analyze verify`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { connect } from "@iggy/client";
import { withTempDir } from "../_temp_dir.ts";
import { type CommandResult, runCommand } from "../_run.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START_DEADLINE_MS = 30_000;
const POLL_MS = 50;

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions of each build stage (`FROM` starts a new one). */
function dockerStages(text: string): Instruction[][] {
  const joined = text.replace(/\\\n/g, " ");
  const stages: Instruction[][] = [];
  for (const raw of joined.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [keyword, ...rest] = line.split(/\s+/);
    const instruction = {
      keyword: keyword!.toUpperCase(),
      args: rest.join(" "),
    };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

function only(stage: Instruction[], keyword: string): string[] {
  return stage.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** `ENV A=1 B=2` lines of a stage as one record. */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of only(stage, "ENV")) {
    for (const pair of args.split(/\s+/)) {
      const [name, value] = pair.split(/=(.*)/s);
      env[name!] = value!;
    }
  }
  return env;
}

/** The JSON array of an exec-form `CMD [...]` (after any `HEALTHCHECK` options). */
function execForm(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf("[")));
}

/**
 * Maps the image's absolute paths into `root`, and every listener to a free local port (so that the test
 * never clashes with another server on this machine: the only change to what the image runs).
 */
function localize(value: string, root: string): string {
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(value)) return "127.0.0.1:0";
  return value.startsWith("/") ? `${root}${value}` : value;
}

/** A clean environment: only what Deno needs to find its cache, plus `env`. */
function cleanEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) base[name] = value;
  }
  return { ...base, ...env };
}

/** Runs a command with exactly the environment given. */
function run(
  argv: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<CommandResult> {
  return runCommand(argv, { ...options, clearEnv: true });
}

/** A server child process whose stderr is collected. */
class ServerProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  stderr = "";
  readonly #pipes: Promise<void>;
  readonly exited: Promise<Deno.CommandStatus>;

  constructor(
    argv: string[],
    options: { cwd: string; env: Record<string, string> },
  ) {
    const [command, ...args] = argv;
    this.child = new Deno.Command(
      command === "deno" ? Deno.execPath() : command!,
      {
        args,
        cwd: options.cwd,
        env: options.env,
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      },
    ).spawn();
    this.exited = this.child.status;
    const stderr = this.child.stderr;
    this.#pipes = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stderr) {
        this.stderr += decoder.decode(chunk, { stream: true });
      }
    })();
  }

  /** Waits for `runtime/current_config.toml`, racing the process's exit. */
  async started(dataDir: string): Promise<Record<string, { address: string }>> {
    let exited = false;
    this.exited.then(() => exited = true);
    const deadline = Date.now() + START_DEADLINE_MS;
    while (Date.now() < deadline && !exited) {
      try {
        return parseToml(
          await Deno.readTextFile(`${dataDir}/runtime/current_config.toml`),
        ) as Record<string, { address: string }>;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }
    throw new Error(`Server did not start:\n${this.stderr}`);
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already exited
    }
    const status = await this.exited;
    await this.#pipes;
    return status.code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

const dockerfile = await Deno.readTextFile(`${ROOT}/Dockerfile`);
const [buildStage, imageStage] = dockerStages(dockerfile);

Deno.test("Dockerfile: official Deno base image, non-root user, data volume, healthcheck", () => {
  assert.ok(buildStage && imageStage, "a build stage and the image stage");
  for (const stage of [buildStage, imageStage]) {
    assert.match(only(stage, "FROM")[0]!, /^denoland\/deno:/);
  }
  assert.deepEqual(only(imageStage, "USER"), ["deno"]);
  const env = envOf(imageStage);
  assert.deepEqual(only(imageStage, "VOLUME"), [env.IGGY_SYSTEM_PATH]);
  const exposed = only(imageStage, "EXPOSE").join(" ").split(/\s+/);
  for (const name of ["TCP", "HTTP", "WEBSOCKET"]) {
    const port = env[`IGGY_${name}_ADDRESS`]!.split(":")[1]!;
    assert.ok(exposed.includes(port), `${name} port ${port} exposed`);
  }
  const quicPort = env.IGGY_QUIC_ADDRESS!.split(":")[1]!;
  assert.ok(exposed.includes(`${quicPort}/udp`), "QUIC port exposed as UDP");
  assert.equal(only(imageStage, "HEALTHCHECK").length, 1);
});

Deno.test("Dockerfile steps: install.sh into a fresh root, then the image's CMD serves and its HEALTHCHECK passes", async () => {
  await withTempDir(async (root) => {
    // Build stage: `RUN deploy/install.sh /opt/iggy` from the sources (WORKDIR /src after COPY . .).
    const installs = only(buildStage!, "RUN").filter((r) =>
      r.startsWith("deploy/install.sh ")
    );
    assert.equal(installs.length, 1, "the build runs deploy/install.sh");
    const [script, ...args] = installs[0]!.split(/\s+/);
    const install = await run(
      [`${ROOT}/${script}`, ...args.map((arg) => localize(arg, root))],
      { cwd: ROOT, env: cleanEnv({}) },
    );
    assert.equal(install.code, 0, install.stderr);

    // Image stage: the data directory exists (RUN mkdir), ENV, WORKDIR, CMD, HEALTHCHECK.
    const imageEnv = Object.fromEntries(
      Object.entries(envOf(imageStage!)).map((
        [name, value],
      ) => [name, localize(value, root)]),
    );
    const dataDir = imageEnv.IGGY_SYSTEM_PATH!;
    await Deno.mkdir(dataDir, { recursive: true });
    const options = {
      cwd: localize(only(imageStage!, "WORKDIR").at(-1)!, root),
      env: cleanEnv({
        ...imageEnv,
        IGGY_ROOT_USERNAME: "admin",
        IGGY_ROOT_PASSWORD: "secret-1",
      }),
    };
    const command = execForm(only(imageStage!, "CMD").at(-1)!)
      .map((arg) => localize(arg, root));
    const healthcheck = execForm(only(imageStage!, "HEALTHCHECK")[0]!)
      .map((arg) => localize(arg, root));

    const before = await run(healthcheck, options);
    assert.equal(before.code, 1, "unhealthy before the server runs");
    assert.match(before.stderr, /unhealthy/);

    await using server = new ServerProcess(command, options);
    const bound = await server.started(dataDir);
    assert.ok(bound.quic, "the image runs with QUIC");
    const health = await run(healthcheck, options);
    assert.equal(health.code, 0, health.stderr);

    const [hostname, port] = bound.tcp!.address.split(":");
    await using client = await connect({
      hostname,
      port: Number(port),
      username: "admin",
      password: "secret-1",
    });
    await client.createStream("deployed");
    assert.equal((await client.getStream("deployed"))?.name, "deployed");
    await client.close();

    assert.equal(await server.stop(), 0, server.stderr);
    const after = await run(healthcheck, options);
    assert.equal(after.code, 1, "unhealthy once stopped");
  });
});

Deno.test("the bundled server runs with `deno run -A` from a directory without deno.json, QUIC off with one warning", async () => {
  await withTempDir(async (dir) => {
    const install = await run(["sh", "deploy/install.sh", `${dir}/opt`], {
      cwd: ROOT,
      env: cleanEnv({}),
    });
    assert.equal(install.code, 0, install.stderr);
    const head = await Deno.readTextFile(`${dir}/opt/iggy-server.js`);
    assert.match(head, /^#!\/usr\/bin\/env -S deno run -A --unstable-net\n/);
    const env = cleanEnv({
      IGGY_SYSTEM_PATH: `${dir}/data`,
      IGGY_TCP_ADDRESS: "127.0.0.1:0",
      IGGY_QUIC_ADDRESS: "127.0.0.1:0",
      IGGY_HTTP_ADDRESS: "127.0.0.1:0",
      IGGY_WEBSOCKET_ADDRESS: "127.0.0.1:0",
    });
    await using server = new ServerProcess([
      "deno",
      "run",
      "-A",
      `${dir}/opt/iggy-server.js`,
      "--with-default-root-credentials",
    ], { cwd: dir, env });
    const bound = await server.started(`${dir}/data`);
    assert.ok(bound.tcp && bound.http && bound.websocket);
    assert.equal(bound.quic, undefined);
    const response = await fetch(`http://${bound.http.address}/ping`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
    assert.equal(await server.stop(), 0, server.stderr);
    const warnings = server.stderr.split("\n").filter((l) =>
      l.includes("QUIC is off")
    );
    assert.equal(warnings.length, 1, server.stderr);
    assert.match(warnings[0]!, /--unstable-net/);
  });
});

Deno.test("compose.yaml builds the Dockerfile and maps its volume and ports", async () => {
  const compose = await Deno.readTextFile(`${ROOT}/compose.yaml`);
  const env = envOf(imageStage!);
  assert.match(compose, /^\s+build: \.$/m);
  assert.match(
    compose,
    new RegExp(`^\\s+- [\\w-]+:${env.IGGY_SYSTEM_PATH}$`, "m"),
  );
  for (const port of only(imageStage!, "EXPOSE").join(" ").split(/\s+/)) {
    const [number, protocol] = port.split("/");
    const mapping = `"${number}:${number}${protocol ? `/${protocol}` : ""}"`;
    assert.ok(compose.includes(mapping), `port ${mapping} mapped`);
  }
  assert.match(compose, /IGGY_ROOT_PASSWORD: \$\{IGGY_ROOT_PASSWORD:\?/);
});

Deno.test("compose.yaml's cluster profile: etcd and three nodes with their own names, volumes and host ports", async () => {
  const compose = await Deno.readTextFile(`${ROOT}/compose.yaml`);
  for (const service of ["etcd", "iggy-n1", "iggy-n2", "iggy-n3"]) {
    assert.match(compose, new RegExp(`^  ${service}:`, "m"), service);
  }
  assert.equal(compose.match(/^ {4}profiles: \[cluster\]$/gm)?.length, 2);
  assert.match(compose, /IGGY_CLUSTER_ETCD_ENDPOINTS: http:\/\/etcd:2379/);
  assert.match(compose, /--advertise-client-urls=http:\/\/etcd:2379/);
  assert.match(compose, /IGGY_CLUSTER_SECRET: \$\{IGGY_CLUSTER_SECRET:\?/);
  for (const n of [1, 2, 3]) {
    assert.match(
      compose,
      new RegExp(`IGGY_CLUSTER_NODE_CURRENT_NAME: n${n}$`, "m"),
    );
    assert.match(
      compose,
      new RegExp(`IGGY_CLUSTER_NODE_CURRENT_IP: iggy-n${n}$`, "m"),
    );
    assert.match(compose, new RegExp(`- iggy-n${n}-data:/var/lib/iggy$`, "m"));
  }
  // Every host port is mapped once (the single server and the three nodes can run side by side).
  const hostPorts = [...compose.matchAll(/^\s+- "(\d+):\d+(?:\/udp)?"/gm)].map((
    m,
  ) => m[1]);
  assert.equal(hostPorts.length, 16);
  assert.equal(new Set(hostPorts).size, hostPorts.length);
});

const analyze = await new Deno.Command("systemd-analyze", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((o) => o.success, () => false);
if (!analyze) {
  console.warn(
    "systemd-analyze not found: skipping the systemd unit check (apt-get install systemd)",
  );
}

Deno.test({
  name: "deploy/systemd/iggy-server.service passes systemd-analyze verify",
  ignore: !analyze,
  async fn() {
    const text = await Deno.readTextFile(
      `${ROOT}/deploy/systemd/iggy-server.service`,
    );
    assert.match(
      text,
      /^ExecStart=\S*deno run --allow-all --unstable-net \/opt\/iggy\/iggy-server\.js$/m,
    );
    assert.match(text, /^NoNewPrivileges=yes$/m);
    assert.match(text, /^ProtectSystem=strict$/m);
    assert.match(text, /^StateDirectory=iggy$/m);
    // MemoryDenyWriteExecute would stop V8's JIT.
    assert.doesNotMatch(text, /^MemoryDenyWriteExecute=yes/m);
    // verify checks that ExecStart's program exists: point it at this machine's deno.
    await withTempDir(async (dir) => {
      const unit = `${dir}/iggy-server.service`;
      await Deno.writeTextFile(
        unit,
        text.replace(
          "ExecStart=/usr/bin/deno ",
          `ExecStart=${Deno.execPath()} `,
        ),
      );
      const verify = await run(["systemd-analyze", "verify", unit], {
        cwd: dir,
        env: cleanEnv({}),
      });
      assert.equal(verify.code, 0, verify.stderr);
      assert.equal(verify.stderr.trim(), "", "no warnings");
    });
  },
});

Deno.test("deploy/healthcheck.ts checks the TCP listener when HTTP is off", async () => {
  await withTempDir(async (dir) => {
    const env = cleanEnv({
      IGGY_SYSTEM_PATH: `${dir}/data`,
      IGGY_TCP_ADDRESS: "127.0.0.1:0",
      IGGY_QUIC_ENABLED: "false",
      IGGY_HTTP_ENABLED: "false",
      IGGY_WEBSOCKET_ENABLED: "false",
    });
    const healthcheck = [
      "deno",
      "run",
      "--allow-env",
      "--allow-read",
      "--allow-net",
      `${ROOT}/deploy/healthcheck.ts`,
    ];
    await using server = new ServerProcess(
      ["deno", "run", "-A", `${ROOT}/server/main.ts`],
      { cwd: dir, env },
    );
    const bound = await server.started(`${dir}/data`);
    assert.deepEqual(Object.keys(bound), ["tcp"]);
    const health = await run(healthcheck, { cwd: dir, env });
    assert.equal(health.code, 0, health.stderr);
    assert.equal(await server.stop(), 0, server.stderr);
    const after = await run(healthcheck, { cwd: dir, env });
    assert.equal(after.code, 1);
    assert.match(after.stderr, /^unhealthy: /);
  });
});
