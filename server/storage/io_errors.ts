/**
 * Storage failures as Iggy errors: an operating-system error (ENOSPC, EIO, EDQUOT, ...) becomes
 * one specific Iggy code and one WARN line without a stack.
 * @module
 */

import { ERROR_TABLE, IggyError } from "../../client/protocol/errors.ts";
import type { Logger } from "../logger.ts";

/**
 * The errno name of an operating-system error (`ENOSPC`, `EIO`, ...), if `err` is one or was
 * caused by one (its `cause` chain is followed).
 */
export function errnoOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `err` is an operating-system error (a failed file operation). */
export function isIoError(err: unknown): boolean {
  return errnoOf(err) !== undefined;
}

/**
 * Turns a failure of a storage step into the Iggy error `code`: an {@linkcode IggyError} passes
 * through unchanged; anything else is logged once (WARN, one line, no stack, for an I/O error;
 * ERROR otherwise) and replaced.
 * @param err what the step threw
 * @param options the Iggy code to answer, the logger and fields naming the target
 * @returns the error to throw to the client
 */
export function storageError(
  err: unknown,
  options: { code: number; logger: Logger; fields?: Record<string, unknown> },
): IggyError {
  if (err instanceof IggyError) return err;
  const { code, logger } = options;
  const what = ERROR_TABLE[code]?.message ?? "Storage operation failed";
  const errno = errnoOf(err);
  let detail = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) detail += `: ${cause.message}`;
  if (errno) {
    logger.warn(`${what}: ${errno}`, {
      ...options.fields,
      code,
      error: detail,
    });
  } else {
    // Not a storage failure but a bug: its stack helps.
    const stack = err instanceof Error ? err.stack ?? detail : detail;
    logger.error(`${what}: unexpected failure`, {
      ...options.fields,
      code,
      error: stack,
    });
  }
  return new IggyError(code, errno ?? "storage failure", { cause: err });
}
