/**
 * The CI share of the fuzz harness (`_fuzz.ts`): 10,000 seeded cases over TCP, QUIC, WebSocket and
 * HTTP against one server child. Long runs: `deno task fuzz --cases N --seed S`.
 */
import assert from "node:assert/strict";
import { listHttpRoutes, runFuzz, startFuzzServer } from "./_fuzz.ts";

/** The seed of the CI run; a failure names it with the case, to replay with `deno task fuzz`. */
const SEED = 20261207;
/** The server must stay under this RSS after every case (it starts around 100-160 MiB). */
const RSS_LIMIT = 512 * 1024 * 1024;

Deno.test("fuzz: 10,000 seeded cases over TCP, QUIC, WebSocket and HTTP leave the server up, in sync and small", async () => {
  const routes = await listHttpRoutes();
  assert.ok(routes.length >= 40, `only ${routes.length} HTTP routes found`);
  await using fuzz = await startFuzzServer();
  const cases = { tcp: 3000, quic: 700, websocket: 2000, http: 4300 };
  const report = await runFuzz(fuzz, {
    seed: SEED,
    cases,
    rssLimit: RSS_LIMIT,
    routes,
  });
  assert.deepEqual(report.cases, cases);
  assert.equal(
    report.routesCovered.size,
    routes.length,
    "every HTTP route got malformed bodies",
  );
  console.log(
    `fuzz seed ${SEED}: ${
      Object.values(report.cases).reduce((a, b) => a + b)
    } cases in ${report.ms} ms, ${report.closedByServer} closed by the server as required, RSS ${
      (report.rss.before / 2 ** 20).toFixed(0)
    } -> max ${(report.rss.max / 2 ** 20).toFixed(0)} MiB (bound ${
      RSS_LIMIT / 2 ** 20
    } MiB)`,
  );
});
