import assert from "node:assert/strict";
import {
  CommandCode,
  ConnectionError,
  ErrorCode,
  IggyClient,
  IggyError,
  QuicTransport,
} from "../../mod.ts";
import { assertRequestFrame } from "./_transport_checks.ts";
import { startServer } from "../_server.ts";
import { clientSuite } from "./_client_suite.ts";
import { generateTestCertificate } from "./_certs.ts";

// Iggy's default QUIC certificate is random per start; the tests give the server one they trust.
const certificate = await generateTestCertificate();
const env = {
  IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
  IGGY_QUIC_CERTIFICATE_CERT_FILE: certificate.certFile,
  IGGY_QUIC_CERTIFICATE_KEY_FILE: certificate.keyFile,
};

clientSuite("quic", (server) =>
  IggyClient.connect({
    transport: "quic",
    ...server.quic!,
    tls: { caCerts: [certificate.cert] },
    username: "iggy",
    password: "iggy",
  }), { env });

Deno.test("IggyClient over quic: garbage on one stream is dropped, the connection keeps working", async () => {
  await using server = await startServer({ env });
  await using client = await IggyClient.connect({
    transport: "quic",
    ...server.quic!,
    tls: { caCerts: [certificate.cert] },
    username: "iggy",
    password: "iggy",
  });
  const raw = await Deno.connectQuic({
    ...server.quic!,
    serverName: "localhost",
    alpnProtocols: [],
    caCerts: [certificate.cert],
    zeroRtt: false,
  });
  try {
    const stream = await raw.createBidirectionalStream();
    const writer = stream.writable.getWriter();
    await writer.write(Uint8Array.of(0xde, 0xad));
    await writer.close();
    const chunks = await Array.fromAsync(stream.readable);
    assert.equal(chunks.length, 0, "no answer to garbage");
  } finally {
    raw.close();
  }
  await client.ping();
  assert.match(server.stderr(), /Dropping QUIC stream/);
});

Deno.test("QuicTransport.connect() fails with ConnectionError when the certificate is not trusted", async () => {
  await using server = await startServer({ env });
  await assert.rejects(
    QuicTransport.connect({ ...server.quic!, caCerts: [] }),
    ConnectionError,
  );
});

Deno.test("QuicTransport with concurrent: true answers parallel requests on parallel streams", async () => {
  await using server = await startServer({ env });
  const transport = await QuicTransport.connect({
    ...server.quic!,
    caCerts: [certificate.cert],
    concurrent: true,
    timeout: 5000,
  });
  try {
    const answers = await Promise.all(
      Array.from(
        { length: 50 },
        () => transport.request(CommandCode.Ping, new Uint8Array()),
      ),
    );
    assert.equal(answers.length, 50);
    assert.ok(answers.every((answer) => answer.length === 0));
    await assert.rejects(
      transport.request(CommandCode.GetStreams, new Uint8Array()),
      (err: unknown) =>
        err instanceof IggyError && err.code === ErrorCode.Unauthenticated,
    );
  } finally {
    await transport.close();
  }
  assert.equal(transport.closed, true);
  await assert.rejects(
    transport.request(CommandCode.Ping, new Uint8Array()),
    ConnectionError,
  );
});

Deno.test("QuicTransport.requestFrame() sends a whole frame as is and rejects one whose length is wrong", async () => {
  await using server = await startServer({ env });
  const transport = await QuicTransport.connect({
    ...server.quic!,
    caCerts: [certificate.cert],
    timeout: 5000,
  });
  try {
    await assertRequestFrame(transport);
  } finally {
    await transport.close();
  }
});
