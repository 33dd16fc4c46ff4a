/**
 * A certificate for `localhost`/127.0.0.1 generated at test run time and written to temp files, for
 * servers started with `IGGY_*_CERT_FILE`/`KEY_FILE` pointing at them.
 * @module
 */

import { generateSelfSigned } from "../../server/tls.ts";

/** A generated certificate and where its PEM files are. */
export interface TestCertificate {
  cert: string;
  certFile: string;
  keyFile: string;
}

/**
 * Generates a certificate into a temp directory (removed when the process exits).
 *
 * @returns The PEM certificate and the file paths.
 */
export async function generateTestCertificate(): Promise<TestCertificate> {
  const pair = await generateSelfSigned();
  const dir = await Deno.makeTempDir({ prefix: "iggy_test_cert_" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone
    }
  });
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  await Deno.writeTextFile(certFile, pair.cert);
  await Deno.writeTextFile(keyFile, pair.key);
  return { cert: pair.cert, certFile, keyFile };
}

/** The environment that makes the TCP listener serve TLS with `certificate`. */
export function tcpTlsEnv(
  certificate: TestCertificate,
): Record<string, string> {
  return {
    IGGY_TCP_TLS_ENABLED: "true",
    IGGY_TCP_TLS_CERT_FILE: certificate.certFile,
    IGGY_TCP_TLS_KEY_FILE: certificate.keyFile,
  };
}
