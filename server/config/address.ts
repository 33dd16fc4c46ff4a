/**
 * Bind addresses of the config (`host:port`, IPv6 in brackets).
 * @module
 */

/**
 * Splits a `host:port` bind address (IPv6 hosts in brackets: `[::1]:8090`).
 *
 * @param address The address from the config.
 * @returns The host name (without brackets) and the port.
 * @throws {RangeError} If the address has no valid port.
 * @example Usage
 * ```ts
 * import { parseAddress } from "../config.ts";
 * parseAddress("127.0.0.1:8090"); // { hostname: "127.0.0.1", port: 8090 }
 * ```
 */
export function parseAddress(
  address: string,
): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\[\]]+)):([0-9]{1,5})$/.exec(
    address.trim(),
  );
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65535) {
    throw new RangeError(
      `Invalid address "${address}": expected "host:port" (IPv6 as "[::1]:port")`,
    );
  }
  return { hostname: match[1] ?? match[2]!, port };
}
