/**
 * The SDK version, sent as the client version on LoginUser. Keep it equal to `version` in `deno.json`
 * (a test checks).
 * @module
 */

/**
 * The version of this SDK (`@iggy/client`).
 *
 * @example Usage
 * ```ts
 * import { VERSION } from "@iggy/client";
 *
 * console.log(`@iggy/client ${VERSION}`);
 * ```
 */
export const VERSION = "0.1.0";
