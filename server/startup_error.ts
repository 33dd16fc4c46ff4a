/**
 * Start-up failures the operator can fix: a port in use, an unreadable data directory, a bad
 * certificate file. Each becomes one line that names what failed and the config key (and its `IGGY_*`
 * variable) to change; `main.ts` prints it without a stack and exits non-zero.
 * @module
 */

/** A start-up failure with a one-line, actionable message. */
export class StartupError extends Error {
  /** Dotted config key to change (`tcp.address`), if one is to blame. */
  readonly key: string | undefined;

  /**
   * @param message The whole line to print.
   * @param options The key to blame and the cause.
   */
  constructor(
    message: string,
    options: { key?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "StartupError";
    this.key = options.key;
  }
}

/** The `IGGY_*` variable that overrides a dotted key: `tcp.tls.cert_file` -> `IGGY_TCP_TLS_CERT_FILE`. */
export function envNameOf(key: string): string {
  return "IGGY_" + key.replaceAll(".", "_").toUpperCase();
}

/** `tcp.address (env IGGY_TCP_ADDRESS)`. */
export function keyHint(key: string): string {
  return `${key} (env ${envNameOf(key)})`;
}

/** A short reason for an OS error, without Deno's "(os error 98)" suffix. */
export function reasonOf(err: unknown): string {
  if (err instanceof Deno.errors.AddrInUse) return "address already in use";
  if (err instanceof Deno.errors.AddrNotAvailable) {
    return "address not available on this host";
  }
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.NotFound) return "not found";
  if (err instanceof Deno.errors.NotADirectory) return "not a directory";
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\(os error \d+\)$/, "").split("\n")[0]!;
}

/** Display names of the transports in messages. */
const TRANSPORT_NAMES = {
  tcp: "TCP",
  quic: "QUIC",
  http: "HTTP",
  websocket: "WebSocket",
} as const;

/** A transport that has a listener. */
export type TransportName = keyof typeof TRANSPORT_NAMES;

/**
 * The error for a listener that could not be bound. A TLS listener whose bind failed for another reason
 * than the address blames its certificate files instead.
 *
 * @param transport The listener.
 * @param options The configured address, whether TLS is on, where its certificate keys live, the cause.
 * @returns The error to throw.
 */
export function bindError(
  transport: TransportName,
  options: {
    address: string;
    cause: unknown;
    /** Config section of the certificate files (`tcp.tls`), when the listener uses TLS. */
    certificateSection?: string;
  },
): StartupError {
  const { address, cause, certificateSection } = options;
  const name = TRANSPORT_NAMES[transport];
  const addressProblem = cause instanceof Deno.errors.AddrInUse ||
    cause instanceof Deno.errors.AddrNotAvailable ||
    cause instanceof Deno.errors.PermissionDenied;
  if (certificateSection && !addressProblem) {
    return new StartupError(
      `Cannot start the ${name} listener on ${address}: the certificate or key is not usable (${
        reasonOf(cause)
      }); check ${keyHint(`${certificateSection}.cert_file`)} and ${
        keyHint(`${certificateSection}.key_file`)
      }`,
      { key: `${certificateSection}.cert_file`, cause },
    );
  }
  return new StartupError(
    `Cannot start the ${name} listener on ${address}: ${
      reasonOf(cause)
    }; change ${
      keyHint(`${transport}.address`)
    } or set ${transport}.enabled = false`,
    { key: `${transport}.address`, cause },
  );
}
