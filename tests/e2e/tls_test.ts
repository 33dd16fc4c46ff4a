import assert from "node:assert/strict";
import {
  ConnectionError,
  IggyClient,
  parseConnectionString,
} from "../../mod.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";
import { generateTestCertificate } from "./_certs.ts";

const certificate = await generateTestCertificate();
const env = {
  IGGY_TCP_TLS_ENABLED: "true",
  IGGY_TCP_TLS_CERT_FILE: certificate.certFile,
  IGGY_TCP_TLS_KEY_FILE: certificate.keyFile,
};

const tls = { caCerts: [certificate.cert], hostname: "localhost" };

clientSuite("tls", (server) =>
  IggyClient.connect({
    transport: "tcp",
    ...server.tcp,
    tls,
    username: "iggy",
    password: "iggy",
  }), { env });

Deno.test("IggyClient over plain tcp to a TLS port fails; TLS clients are still served", async () => {
  await using server = await startServer({ env });
  await assert.rejects(
    IggyClient.connect({ ...server.tcp, username: "iggy", password: "iggy" }),
    ConnectionError,
  );
  await using client = await IggyClient.connect({
    ...server.tcp,
    tls,
    username: "iggy",
    password: "iggy",
  });
  await client.ping();
  // The TLS port never answered in plain text; the server logged the failed connection.
  assert.match(server.stderr(), /TLS handshake failed/);
});

Deno.test("IggyClient over tls connects with an iggy+tls:// string when the name matches", async () => {
  await using server = await startServer({ env });
  // The string carries no CA: trust comes from the options merged in by the caller.
  const client = await IggyClient.connect({
    ...parseConnectionString(
      `iggy+tls://iggy:iggy@localhost:${server.tcp.port}`,
    ),
    tls,
  });
  await client.ping();
  await client.close();
});
