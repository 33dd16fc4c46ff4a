/**
 * Server certificates: PEM files from config, or a self-signed certificate for `localhost` generated at
 * start-up (binary.md §1.3–1.4, config.md §4.2–4.4).
 * @module
 */

import * as x509 from "@peculiar/x509";
import type { Logger } from "./logger.ts";
import { keyHint, reasonOf, StartupError } from "./startup_error.ts";

x509.cryptoProvider.set(crypto);

/** A PEM certificate chain and its PEM private key. */
export interface CertificatePair {
  cert: string;
  key: string;
}

/** Options of {@linkcode generateSelfSigned}. */
export interface SelfSignedOptions {
  /**
   * DNS names the certificate is valid for.
   * @default {["localhost"]}
   */
  dnsNames?: string[];
  /**
   * IP addresses the certificate is valid for.
   * @default {["127.0.0.1", "::1"]}
   */
  ipAddresses?: string[];
  /**
   * Validity in days from now.
   * @default {365}
   */
  days?: number;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/**
 * Generates a self-signed ECDSA P-256 certificate (a leaf that is also its own trust anchor).
 *
 * @param options Names and validity.
 * @returns The certificate and its PKCS#8 key, both PEM.
 * @example Usage
 * ```ts
 * import { generateSelfSigned } from "./tls.ts";
 * const { cert, key } = await generateSelfSigned();
 * ```
 */
export async function generateSelfSigned(
  options: SelfSignedOptions = {},
): Promise<CertificatePair> {
  const dnsNames = options.dnsNames ?? ["localhost"];
  const ipAddresses = options.ipAddresses ?? ["127.0.0.1", "::1"];
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ]);
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0]! &= 0x7f; // a positive integer
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: [...serial].map((b) => b.toString(16).padStart(2, "0"))
      .join(""),
    name: `CN=${dnsNames[0] ?? ipAddresses[0] ?? "localhost"}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.days ?? 365) * 86_400_000),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: "dns" as const, value })),
        ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
      ]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert: certificate.toString("pem"),
    key: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
  };
}

/** Where a listener's certificate comes from. */
export interface CertificateSource {
  certFile: string;
  keyFile: string;
  /** Generate a certificate (see {@linkcode loadCertificate} for when). */
  selfSigned: boolean;
}

/** Options of {@linkcode loadCertificate}. */
export interface LoadCertificateOptions {
  logger: Logger;
  /** Name of the listener for logs and errors, such as `tcp`. */
  listener: string;
  /**
   * Config section of the files, named in errors (`tcp.tls`, `quic.certificate`).
   * @default {`${listener}.tls`}
   */
  section?: string;
  /**
   * Always generate when `selfSigned` is set, ignoring the files (QUIC's rule); otherwise generate only
   * when the certificate file does not exist (TCP and WebSocket).
   * @default {false}
   */
  alwaysGenerate?: boolean;
}

/**
 * Loads a listener's certificate and key from PEM files, or generates a self-signed one for `localhost`.
 *
 * @param source The configured files and `self_signed` flag.
 * @param options Logger, listener name and the generation rule.
 * @returns The PEM pair.
 * @throws {StartupError} When a file is missing (and no certificate may be generated), unreadable or not PEM.
 * @example Usage
 * ```ts ignore
 * const pair = await loadCertificate(config.tcp.tls, { logger, listener: "tcp" });
 * ```
 */
export async function loadCertificate(
  source: CertificateSource,
  options: LoadCertificateOptions,
): Promise<CertificatePair> {
  const generate = source.selfSigned &&
    (options.alwaysGenerate || !(await exists(source.certFile)));
  if (generate) {
    const pair = await generateSelfSigned();
    options.logger.info("Generated a self-signed certificate", {
      listener: options.listener,
      names: "localhost, 127.0.0.1, ::1",
    });
    return pair;
  }
  const names = {
    listener: options.listener,
    section: options.section ?? `${options.listener}.tls`,
  };
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([
      Deno.readTextFile(source.certFile),
      Deno.readTextFile(source.keyFile),
    ]);
  } catch (cause) {
    throw certificateError(source, names, reasonOf(cause), cause);
  }
  if (!isPem(cert, "CERTIFICATE")) {
    throw certificateError(
      source,
      names,
      `"${source.certFile}" holds no PEM certificate`,
    );
  }
  if (!isPem(key, "PRIVATE KEY")) {
    throw certificateError(
      source,
      names,
      `"${source.keyFile}" holds no PEM private key`,
    );
  }
  return { cert, key };
}

/** True when `text` has a PEM block whose label ends with `label` (`EC PRIVATE KEY` ends with `PRIVATE KEY`). */
function isPem(text: string, label: string): boolean {
  const match = text.match(
    /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/,
  );
  return match !== null && match[1]!.endsWith(label);
}

function certificateError(
  source: CertificateSource,
  { listener, section }: { listener: string; section: string },
  reason: string,
  cause?: unknown,
): StartupError {
  return new StartupError(
    `Cannot load the ${listener} certificate "${source.certFile}" and key "${source.keyFile}": ${reason}; check ${
      keyHint(`${section}.cert_file`)
    } and ${keyHint(`${section}.key_file`)}`,
    { key: `${section}.cert_file`, cause },
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
