/**
 * `Deno.serve` that survives its accept loop dying. When accepting fails (typically "too many open
 * files" during a connection flood), `Deno.serve` stops serving for good and rejects its `finished`
 * promise — unhandled, that ends the process. This wrapper logs the failure (counted) and serves
 * again on the same address after a back-off (5 ms doubling to 1 s) until it can bind.
 * @module
 */

import { AcceptBackoff, pause } from "./backoff.ts";
import type { CountedLog } from "./counted_log.ts";

/** Milliseconds a restarted listener must serve before its back-off starts over. */
const STABLE_MS = 5000;

/** Options of `Deno.serve` for a TCP listener, with or without TLS. */
export type ServeOptions =
  & Deno.ServeTcpOptions
  & Partial<Deno.TlsCertifiedKeyPem>;

/** A running {@linkcode superviseServe} listener. */
export interface SupervisedServer {
  /** The bound address (the same after a restart). */
  readonly addr: Deno.NetAddr;
  /** Stops serving (gracefully, as `Deno.HttpServer.shutdown`) and stops restarting. */
  shutdown(): Promise<void>;
}

/**
 * Starts `Deno.serve` and restarts it whenever its loop fails.
 *
 * @param options `Deno.serve` options; binding errors of the first start are thrown.
 * @param handler The request handler.
 * @param context Where failures are logged and the listener's name in the log.
 * @returns The running listener.
 */
export function superviseServe(
  options: ServeOptions,
  handler: Deno.ServeHandler<Deno.NetAddr>,
  context: { log: CountedLog; listener: string },
): SupervisedServer {
  const stopped = Promise.withResolvers<void>();
  let stopping = false;
  let server = Deno.serve(options, handler);
  const addr = server.addr;
  // Restarts bind the port the first start got (it may have been 0).
  const again = { ...options, port: addr.port, onListen: () => {} };

  // One back-off across restarts, forgotten once a listener has served for a while: a listener
  // that dies again at once (descriptors still exhausted) is restarted ever more slowly.
  const backoff = new AcceptBackoff();
  let startedAt = performance.now();

  const watch = (current: Deno.HttpServer<Deno.NetAddr>): void => {
    current.finished.catch(async (err) => {
      if (stopping) return;
      context.log.warn("Listener failed: restarting", {
        listener: context.listener,
        error: String(err),
      });
      if (performance.now() - startedAt > STABLE_MS) backoff.reset();
      while (!stopping) {
        if (await pause(backoff.next(), stopped.promise)) return;
        try {
          server = Deno.serve(again, handler);
        } catch (cause) {
          context.log.warn("Listener restart failed", {
            listener: context.listener,
            error: String(cause),
          });
          continue;
        }
        startedAt = performance.now();
        context.log.info("Listener restarted", { listener: context.listener });
        watch(server);
        return;
      }
    });
  };
  watch(server);

  return {
    addr,
    async shutdown() {
      stopping = true;
      stopped.resolve();
      await server.shutdown();
    },
  };
}
