/**
 * Certificates (generated and loaded) and TLS on the TCP listener, including clients that do not
 * speak TLS.
 */
import assert from "node:assert/strict";
import { CommandCode, encodeRequest } from "../../client/protocol/mod.ts";
import { createLogger } from "../../server/logger.ts";
import { generateSelfSigned, loadCertificate } from "../../server/tls.ts";
import { startInProcess } from "./_in_process.ts";

const PING = encodeRequest(CommandCode.Ping, new Uint8Array());
const OK_EMPTY = new Uint8Array(8);

async function readExactly(
  conn: Deno.Conn,
  n: number,
): Promise<Uint8Array | null> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const read = await conn.read(out.subarray(at));
    if (read === null) return null;
    at += read;
  }
  return out;
}

async function tlsPing(
  port: number,
  cert: string,
  hostname: string,
): Promise<Uint8Array | null> {
  const conn = await Deno.connectTls({ hostname, port, caCerts: [cert] });
  try {
    await conn.write(PING);
    return await readExactly(conn, 8);
  } finally {
    conn.close();
  }
}

async function certFiles(): Promise<
  { cert: string; certFile: string; keyFile: string; dir: string }
> {
  const pair = await generateSelfSigned();
  const dir = await Deno.makeTempDir({ prefix: "iggy_tls_test_" });
  await Deno.writeTextFile(`${dir}/cert.pem`, pair.cert);
  await Deno.writeTextFile(`${dir}/key.pem`, pair.key);
  return {
    cert: pair.cert,
    certFile: `${dir}/cert.pem`,
    keyFile: `${dir}/key.pem`,
    dir,
  };
}

Deno.test("generateSelfSigned() makes a PEM pair valid for localhost and 127.0.0.1", async () => {
  const pair = await generateSelfSigned();
  assert.match(pair.cert, /^-----BEGIN CERTIFICATE-----\n/);
  assert.match(pair.key, /^-----BEGIN PRIVATE KEY-----\n/);
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...pair });
  const serve = (async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await listener.accept();
      const request = await readExactly(conn, 8);
      if (request) await conn.write(OK_EMPTY);
      conn.close();
    }
  })();
  try {
    assert.deepEqual(
      await tlsPing(listener.addr.port, pair.cert, "localhost"),
      OK_EMPTY,
    );
    assert.deepEqual(
      await tlsPing(listener.addr.port, pair.cert, "127.0.0.1"),
      OK_EMPTY,
    );
  } finally {
    await serve;
    listener.close();
  }
});

Deno.test("loadCertificate() reads files, generates only when allowed, and names missing files", async () => {
  const logger = createLogger("off");
  const files = await certFiles();
  try {
    const loaded = await loadCertificate(
      { certFile: files.certFile, keyFile: files.keyFile, selfSigned: true },
      { logger, listener: "tcp" },
    );
    assert.equal(
      loaded.cert,
      files.cert,
      "existing files win over self_signed",
    );
    const regenerated = await loadCertificate(
      { certFile: files.certFile, keyFile: files.keyFile, selfSigned: true },
      { logger, listener: "quic", alwaysGenerate: true },
    );
    assert.notEqual(
      regenerated.cert,
      files.cert,
      "QUIC regenerates on every start",
    );
    const missing = {
      certFile: `${files.dir}/nope.pem`,
      keyFile: `${files.dir}/nope_key.pem`,
    };
    const generated = await loadCertificate({ ...missing, selfSigned: true }, {
      logger,
      listener: "tcp",
    });
    assert.match(generated.cert, /BEGIN CERTIFICATE/);
    await assert.rejects(
      loadCertificate({ ...missing, selfSigned: false }, {
        logger,
        listener: "tcp",
      }),
      /Cannot load the tcp certificate ".*nope\.pem"/,
    );
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});

Deno.test("TCP with TLS serves TLS only; plain TCP and failed handshakes are closed and logged", async () => {
  const files = await certFiles();
  await using running = await startInProcess({
    IGGY_QUIC_ENABLED: "false",
    IGGY_WEBSOCKET_ENABLED: "false",
    IGGY_TCP_TLS_ENABLED: "true",
    IGGY_TCP_TLS_CERT_FILE: files.certFile,
    IGGY_TCP_TLS_KEY_FILE: files.keyFile,
  });
  const port = running.server.system.listeners.tcp!.port;
  try {
    assert.deepEqual(await tlsPing(port, files.cert, "localhost"), OK_EMPTY);

    // A plain binary-protocol client: the server never answers in plain text and drops it.
    const plain = await Deno.connect({ hostname: "127.0.0.1", port });
    await plain.write(PING);
    const answer = new Uint8Array(64);
    const got = await plain.read(answer).catch(() => null);
    if (got !== null) {
      // Whatever comes back is a TLS alert record (content type 21), never a protocol answer.
      assert.equal(answer[0], 21);
      assert.equal(await plain.read(answer).catch(() => null), null);
    }
    plain.close();

    // A TLS client that does not trust the certificate aborts the handshake.
    const stranger = (await generateSelfSigned()).cert;
    await assert.rejects(tlsPing(port, stranger, "localhost"));

    // Everyone else is still served.
    assert.deepEqual(await tlsPing(port, files.cert, "localhost"), OK_EMPTY);
    assert.ok(
      running.logs.some((line) => line.includes("TLS handshake failed")),
    );
  } finally {
    await Deno.remove(files.dir, { recursive: true });
  }
});
