/**
 * The SDK in a real browser: bundles `browser/page.ts` with `deno bundle --platform browser`, serves
 * it, and lets headless Chromium (Debian's `chromium` package) send and poll over WebSocket.
 * Skips when `/usr/bin/chromium` is missing.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startServer } from "../_server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULT_DEADLINE_MS = 60_000;

function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

const available = hasChromium();
if (!available) {
  console.warn(
    `Skipping the browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

/** Bundles the page script for browsers into `dir/page.js`. */
async function bundlePage(dir: string): Promise<string> {
  const out = `${dir}/page.js`;
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "-o",
      out,
      "tests/e2e/browser/page.ts",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return await Deno.readTextFile(out);
}

Deno.test({
  name: "WebSocketTransport in headless Chromium sends and polls messages",
  ignore: !available,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "iggy_browser_test_" });
    try {
      const script = await bundlePage(dir);
      await using server = await startServer();
      const result = Promise.withResolvers<Record<string, unknown>>();
      const web = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        async (request) => {
          const path = new URL(request.url).pathname;
          if (path === "/result" && request.method === "POST") {
            result.resolve(await request.json());
            return new Response("ok");
          }
          if (path === "/page.js") {
            return new Response(script, {
              headers: { "content-type": "text/javascript" },
            });
          }
          if (path === "/") {
            return new Response(
              '<!doctype html><title>iggy</title><script type="module" src="/page.js"></script>',
              { headers: { "content-type": "text/html" } },
            );
          }
          return new Response("not found", { status: 404 });
        },
      );
      const ws = `ws://${server.websocket!.hostname}:${
        server.websocket!.port
      }/`;
      const page = `http://127.0.0.1:${web.addr.port}/?ws=${
        encodeURIComponent(ws)
      }`;
      const browser = new Deno.Command(CHROMIUM, {
        args: [
          "--headless=new",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-dev-shm-usage",
          "--no-first-run",
          "--no-default-browser-check",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-default-apps",
          "--disable-extensions",
          `--user-data-dir=${dir}/profile`,
          page,
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const log = new Response(browser.stderr).text();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const got = await Promise.race([
          result.promise,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error("No result from the page in time")),
              RESULT_DEADLINE_MS,
            );
          }),
          browser.status.then((status) => {
            throw new Error(`Chromium exited early with ${status.code}`);
          }),
        ]);
        assert.equal(got.ok, true, String(got.error));
        assert.equal(got.hasDeno, false, "the page ran in a browser, not Deno");
        assert.deepEqual(got.offsets, ["0", "1", "2", "3", "4"]);
        assert.deepEqual(
          got.payloads,
          [0, 1, 2, 3, 4].map((i) => `hello from the browser ${i}`),
        );
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\nChromium log:\n${await Promise.race([
            log,
            Promise.resolve("(still running)"),
          ])}`,
          { cause: err },
        );
      } finally {
        clearTimeout(timer);
        try {
          browser.kill("SIGKILL");
        } catch {
          // already exited
        }
        await browser.status;
        await log;
        await web.shutdown();
      }
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
