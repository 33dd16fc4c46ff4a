/**
 * Test harness: a real etcd (`/usr/bin/etcd`, Debian's `etcd-server`) in a child process on free
 * ports with a temp data directory. Tests that need it are skipped (ignored) when etcd is missing.
 * @module
 */

const START_DEADLINE_MS = 20_000;

/** Path of the etcd binary, or `undefined` when it is not installed. */
export const ETCD_BIN: string | undefined = (() => {
  for (const path of ["/usr/bin/etcd", "/usr/local/bin/etcd"]) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not there.
    }
  }
  return undefined;
})();

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running etcd. */
export class TestEtcd {
  /** Client URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  readonly #dataDir: string;
  readonly #peerUrl: string;
  readonly #clientPort: number;
  /** Every URL etcd serves clients on: {@linkcode endpoint} and the same port on `extraHosts`. */
  readonly #clientUrls: string;
  #child: Deno.ChildProcess | undefined;
  #log = "";

  /**
   * @param dataDir etcd's data directory.
   * @param extraHosts More local addresses to serve clients on (e.g. a test bridge's address).
   */
  constructor(dataDir: string, extraHosts: string[] = []) {
    this.#dataDir = dataDir;
    this.#clientPort = freePort();
    this.endpoint = `http://127.0.0.1:${this.#clientPort}`;
    this.#clientUrls = [
      this.endpoint,
      ...extraHosts.map((host) => `http://${host}:${this.#clientPort}`),
    ].join(",");
    this.#peerUrl = `http://127.0.0.1:${freePort()}`;
  }

  /** What etcd wrote (its log). */
  log(): string {
    return this.#log;
  }

  /** Starts etcd (again, on the same ports and data) and waits until it answers. */
  async start(): Promise<void> {
    const child = new Deno.Command(ETCD_BIN!, {
      args: [
        "--data-dir",
        this.#dataDir,
        "--listen-client-urls",
        this.#clientUrls,
        "--advertise-client-urls",
        this.endpoint,
        "--listen-peer-urls",
        this.#peerUrl,
        "--initial-advertise-peer-urls",
        this.#peerUrl,
        "--initial-cluster",
        `default=${this.#peerUrl}`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    (async () => {
      for await (
        const chunk of child.stderr.pipeThrough(new TextDecoderStream())
      ) this.#log += chunk;
    })().catch(() => {});
    const deadline = Date.now() + START_DEADLINE_MS;
    while (Date.now() < deadline) {
      const ok = await fetch(`${this.endpoint}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: "AA==" }),
      }).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }).catch(() => false);
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`etcd did not start:\n${this.#log}`);
  }

  /** Stops etcd with `signal` and waits for it to exit. */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    await child.status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.#dataDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Starts an etcd on free ports and a temp data directory, serving clients on 127.0.0.1 and on
 * `extraHosts` (local addresses, same port).
 */
export async function startEtcd(extraHosts: string[] = []): Promise<TestEtcd> {
  const etcd = new TestEtcd(
    await Deno.makeTempDir({ prefix: "etcd-test-" }),
    extraHosts,
  );
  await etcd.start();
  return etcd;
}
