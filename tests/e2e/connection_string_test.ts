import assert from "node:assert/strict";
import { connect, parseConnectionString } from "../../mod.ts";
import { startServer } from "../_server.ts";
import { generateTestCertificate } from "./_certs.ts";

Deno.test("connect() logs in with a personal access token written as the server printed it", async () => {
  await using server = await startServer();
  const { hostname, port } = server.tcp;
  let token: string;
  {
    await using admin = await connect(`iggy://iggy:iggy@${hostname}:${port}`);
    token = await admin.createPersonalAccessToken("printed");
  }
  assert.match(token, /^[A-Za-z0-9+/]+=*$/, "standard base64");
  await using client = await connect(`iggy://${token}@${hostname}:${port}`);
  assert.deepEqual(await client.getStreams(), [], "logged in");
});

Deno.test("connect() reads the CA of an iggy+tls:// string from tls_ca_file", async () => {
  const certificate = await generateTestCertificate();
  await using server = await startServer({
    env: {
      IGGY_TCP_TLS_ENABLED: "true",
      IGGY_TCP_TLS_CERT_FILE: certificate.certFile,
      IGGY_TCP_TLS_KEY_FILE: certificate.keyFile,
    },
  });
  const url = `iggy://iggy:iggy@127.0.0.1:${server.tcp.port}?tls=true` +
    `&tls_domain=localhost&tls_ca_file=${
      encodeURIComponent(certificate.certFile)
    }`;
  assert.deepEqual(parseConnectionString(url).tls, { hostname: "localhost" });
  await using client = await connect(url);
  await client.ping();
  await assert.rejects(
    connect(
      `${url.replace(/tls_ca_file=[^&]*/, "tls_ca_file=/nonexistent.pem")}`,
    ),
    (err: unknown) =>
      err instanceof TypeError &&
      /Cannot read the TLS CA file/.test(err.message),
  );
});
