/**
 * The body of a password worker: runs argon2id for the {@linkcode PasswordPool} off the event loop.
 * It is bundled into `_password_worker_source.ts` by `tools/build_password_worker.ts`, so that the server
 * starts its workers from the same text whether it runs from source or from one bundled file.
 * @module
 */

import { hashPassword, verifyPassword } from "./passwords.ts";

/** A job posted to a worker. */
export type PasswordJob =
  | { id: number; op: "hash"; password: string }
  | { id: number; op: "verify"; password: string; hash: string };

/** A worker's answer to one job. */
export type PasswordAnswer =
  | { id: number; value: string | boolean }
  | { id: number; error: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<PasswordJob>) => void) | null;
  postMessage(message: PasswordAnswer): void;
}

async function run(job: PasswordJob): Promise<PasswordAnswer> {
  try {
    const value = job.op === "hash"
      ? await hashPassword(job.password)
      : await verifyPassword(job.password, job.hash);
    return { id: job.id, value };
  } catch (err) {
    return { id: job.id, error: String(err) };
  }
}

const scope = globalThis as unknown as WorkerScope;
scope.onmessage = async (event) => scope.postMessage(await run(event.data));
