/**
 * Container healthcheck (no curl in the `denoland/deno` image): exits 0 when the server running on this
 * host answers, 1 otherwise. It reads the bound addresses from `<system.path>/runtime/current_config.toml`
 * (`IGGY_SYSTEM_PATH`, default `local_data`), so it follows any configured port: `GET /ping` on the HTTP
 * API; a TCP connect to it when it uses TLS (`IGGY_HTTP_TLS_ENABLED=true`: its certificate names the
 * public host, not 127.0.0.1) and to the TCP listener when HTTP is off. Standalone on purpose: no imports.
 *
 *   deno run --allow-env --allow-read --allow-net healthcheck.ts
 * @module
 */

const TIMEOUT_MS = 3_000;

/** The `address` of a `[section]` in the runtime config, with a wildcard host made local. */
function boundAddress(toml: string, section: string): string | undefined {
  const match = toml.match(
    new RegExp(`^\\[${section}\\]\\s*\\naddress\\s*=\\s*"([^"]+)"`, "m"),
  );
  if (!match) return undefined;
  return match[1]!.replace(/^0\.0\.0\.0:/, "127.0.0.1:").replace(
    /^\[::\]:/,
    "[::1]:",
  );
}

async function healthy(): Promise<string | undefined> {
  const dataDir = Deno.env.get("IGGY_SYSTEM_PATH") ?? "local_data";
  let toml: string;
  try {
    toml = await Deno.readTextFile(`${dataDir}/runtime/current_config.toml`);
  } catch {
    return `not started: no ${dataDir}/runtime/current_config.toml`;
  }
  const http = boundAddress(toml, "http");
  if (http && Deno.env.get("IGGY_HTTP_TLS_ENABLED") !== "true") {
    const response = await fetch(`http://${http}/ping`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? undefined : `GET /ping answered ${response.status}`;
  }
  const address = http ?? boundAddress(toml, "tcp");
  if (!address) return "no HTTP or TCP listener to check";
  const colon = address.lastIndexOf(":");
  const conn = await Deno.connect({
    hostname: address.slice(0, colon).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(colon + 1)),
  });
  conn.close();
  return undefined;
}

try {
  const problem = await healthy();
  if (problem) console.error(`unhealthy: ${problem}`);
  Deno.exit(problem ? 1 : 0);
} catch (err) {
  console.error(`unhealthy: ${err instanceof Error ? err.message : err}`);
  Deno.exit(1);
}
