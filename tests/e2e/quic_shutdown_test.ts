import assert from "node:assert/strict";
import { ConnectionError, IggyClient, QuicTransport } from "../../mod.ts";
import { startServer } from "../_server.ts";
import { generateTestCertificate } from "./_certs.ts";

const certificate = await generateTestCertificate();
const env = {
  IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
  IGGY_QUIC_CERTIFICATE_CERT_FILE: certificate.certFile,
  IGGY_QUIC_CERTIFICATE_KEY_FILE: certificate.keyFile,
};
const WORKERS = 100;
const HANG_MS = 15_000;

/** Rejects when `promise` takes longer than `ms`: a hang fails the test instead of stalling it. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no end in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("QuicServer on SIGTERM answers every request it handled; the others fail with ConnectionError", async () => {
  await using server = await startServer({ env });
  const transport = await QuicTransport.connect({
    ...server.quic!,
    caCerts: [certificate.cert],
    concurrent: true,
  });
  const client = new IggyClient(transport);
  await client.login("iggy", "iggy");
  // Workers keep creating streams on parallel streams until their request fails; SIGTERM lands
  // once the first is answered, so the shutdown meets requests in flight and new ones alike. A
  // created stream is proof the server handled that request.
  const outcomes: Promise<unknown>[] = [];
  const { promise: first, resolve: answeredOnce } = Promise.withResolvers<
    void
  >();
  async function worker(): Promise<void> {
    while (true) {
      const n = outcomes.length;
      const outcome = client.createStream(`s${n}`).then(
        () => "answered",
        (err: unknown) => err,
      );
      outcomes.push(outcome);
      if (await outcome !== "answered") return;
      answeredOnce();
    }
  }
  const workers = Promise.all(Array.from({ length: WORKERS }, worker));
  await first;
  const stopped = server.kill("SIGTERM");
  await within(workers, HANG_MS);
  const settled = await Promise.all(outcomes);
  assert.equal((await stopped)?.success, true, server.stderr());
  await client.close();

  for (const outcome of settled) {
    if (outcome === "answered") continue;
    assert.ok(
      outcome instanceof ConnectionError,
      `expected an answer or ConnectionError, got ${outcome}`,
    );
  }
  await server.start();
  await using admin = await IggyClient.connect({
    ...server.tcp,
    username: "iggy",
    password: "iggy",
  });
  const created = new Set((await admin.getStreams()).map((s) => s.name));
  const lost = settled.flatMap((outcome, i) =>
    created.has(`s${i}`) && outcome !== "answered" ? [`s${i}: ${outcome}`] : []
  );
  assert.deepEqual(lost, [], "handled requests whose answer was lost");
  const answered = settled.filter((outcome) => outcome === "answered").length;
  assert.equal(answered, created.size, "every answer is a created stream");
  assert.ok(answered > 0, "some requests were answered");
});
