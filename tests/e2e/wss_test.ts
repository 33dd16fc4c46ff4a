import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  ConnectionError,
  IggyClient,
  parseConnectionString,
  WebSocketTransport,
} from "../../mod.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";
import { generateTestCertificate } from "./_certs.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const certificate = await generateTestCertificate();
const env = {
  IGGY_WEBSOCKET_TLS_ENABLED: "true",
  IGGY_WEBSOCKET_TLS_CERT_FILE: certificate.certFile,
  IGGY_WEBSOCKET_TLS_KEY_FILE: certificate.keyFile,
};

// The connection string carries no CA: the options merged in add the generated certificate.
clientSuite("wss", (server) =>
  IggyClient.connect({
    ...parseConnectionString(
      `iggy+wss://iggy:iggy@127.0.0.1:${server.websocket!.port}`,
    ),
    tls: { caCerts: [certificate.cert] },
  }), { env });

Deno.test("IggyClient over wss fails with ConnectionError when the certificate is not trusted", async () => {
  await using server = await startServer({ env });
  const url = `iggy+wss://iggy:iggy@127.0.0.1:${server.websocket!.port}`;
  await assert.rejects(IggyClient.connect(url), ConnectionError);
  // A plain ws:// client gets no WebSocket from the TLS port either.
  await assert.rejects(
    WebSocketTransport.connect({ ...server.websocket! }),
    ConnectionError,
  );
  await using client = await IggyClient.connect({
    ...parseConnectionString(url),
    tls: { caCerts: [certificate.cert] },
  });
  await client.ping();
});

Deno.test("IggyClient over wss trusts the platform store: DENO_CERT in a child process", async () => {
  await using server = await startServer({ env });
  const script = `
    import { IggyClient } from ${JSON.stringify(`${ROOT}mod.ts`)};
    const client = await IggyClient.connect(Deno.args[0]);
    await client.createStream("wss-deno-cert");
    const streams = await client.getStreams();
    console.log(JSON.stringify(streams.map((stream) => stream.name)));
    await client.close();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      script,
      `iggy+wss://iggy:iggy@127.0.0.1:${server.websocket!.port}`,
    ],
    cwd: ROOT,
    env: { DENO_CERT: certificate.certFile, NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(
    output.success,
    true,
    `child exited with ${output.code}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
  );
  assert.deepEqual(JSON.parse(stdout), ["wss-deno-cert"], stderr);
});
