/**
 * Long fuzz runs: `deno task fuzz --cases N --seed S` runs N cases on each transport (TCP, QUIC,
 * WebSocket, HTTP) against a fresh server child; `--transport tcp` limits it to one transport and
 * `--case I` replays one case of a failed run (with the same seed, on a fresh connection);
 * `--rss-limit-mib M` sets the RSS bound (512 by default: the server's state grows with what the
 * cases create). Exits 1 on the first failure.
 * @module
 */

import { parseArgs } from "node:util";
import {
  listHttpRoutes,
  runFuzz,
  startFuzzServer,
  type Transport,
  TRANSPORTS,
} from "./_fuzz.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cases: { type: "string", default: "10000" },
    seed: { type: "string" },
    transport: { type: "string" },
    case: { type: "string" },
    "rss-limit-mib": { type: "string", default: "512" },
  },
});
const seed = values.seed !== undefined
  ? Number(values.seed) >>> 0
  : crypto.getRandomValues(new Uint32Array(1))[0]!;
const perTransport = Number(values.cases);
if (!Number.isSafeInteger(perTransport) || perTransport < 0) {
  console.error(
    `--cases must be a non-negative integer, got "${values.cases}"`,
  );
  Deno.exit(2);
}
/** The server's RSS must stay under this after every case (the CI run uses 512 MiB too). */
const RSS_LIMIT = Number(values["rss-limit-mib"]) * 1024 * 1024;
const transport = values.transport as Transport | undefined;
if (transport !== undefined && !TRANSPORTS.includes(transport)) {
  console.error(`--transport must be one of ${TRANSPORTS.join(", ")}`);
  Deno.exit(2);
}
const cases = Object.fromEntries(
  TRANSPORTS.map((
    t,
  ) => [t, transport === undefined || t === transport ? perTransport : 0]),
) as Record<Transport, number>;

console.log(`fuzz: seed ${seed}, ${perTransport} cases per transport`);
const routes = await listHttpRoutes();
await using fuzz = await startFuzzServer();
try {
  const report = await runFuzz(fuzz, {
    seed,
    cases,
    only: values.case !== undefined ? Number(values.case) : undefined,
    rssLimit: RSS_LIMIT,
    routes,
    log: (line) => console.log(line),
  });
  console.log(
    `fuzz: ${
      JSON.stringify(report.cases)
    } passed in ${report.ms} ms; ${report.closedByServer} connections closed by the server as required; server RSS ${
      (report.rss.before / 2 ** 20).toFixed(0)
    } -> max ${(report.rss.max / 2 ** 20).toFixed(0)} MiB (bound ${
      RSS_LIMIT / 2 ** 20
    } MiB)`,
  );
} catch (err) {
  console.error(
    `fuzz FAILED (replay: deno task fuzz --seed ${seed} ...):\n${
      (err as Error).message
    }`,
  );
  Deno.exitCode = 1;
}
