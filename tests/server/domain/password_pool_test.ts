/**
 * argon2id off the event loop: the worker pool, its queue bound, the shared checks, and the
 * committed worker bundle.
 */
import assert from "node:assert/strict";
import { ErrorCode, IggyError } from "../../../client/protocol/mod.ts";
import { PasswordPool } from "../../../server/domain/password_pool.ts";
import { verifyPassword } from "../../../server/domain/passwords.ts";
import { PasswordService } from "../../../server/domain/password_service.ts";
import { PASSWORD_WORKER_BASE64 } from "../../../server/domain/_password_worker_source.ts";
import {
  bundlePasswordWorker,
  passwordWorkerModule,
} from "../../../tools/build_password_worker.ts";

function isCode(code: number): (err: unknown) => boolean {
  return (err) => err instanceof IggyError && err.code === code;
}

Deno.test("_password_worker_source.ts holds password_worker.ts as bundled now (regenerate with build_password_worker.ts)", async () => {
  const expected = passwordWorkerModule(await bundlePasswordWorker());
  const base64 = [...expected.matchAll(/^ {2}"([^"]*)",$/gm)].map((m) => m[1])
    .join("");
  assert.equal(PASSWORD_WORKER_BASE64, base64);
});

Deno.test("PasswordPool hashes and verifies on workers", async () => {
  const pool = new PasswordPool({ workers: 2 });
  try {
    const hash = await pool.hash("secret");
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await pool.verify("secret", hash), true);
    assert.equal(await pool.verify("wrong", hash), false);
    assert.equal(await pool.verify("secret", "not a hash"), false);
  } finally {
    pool.close();
  }
});

Deno.test("PasswordPool refuses a job at once past its queue bound", async () => {
  const pool = new PasswordPool({ workers: 1, queueSize: 1 });
  try {
    const running = pool.hash("one");
    const queued = pool.hash("two");
    await assert.rejects(pool.hash("three"), isCode(ErrorCode.LoginQueueFull));
    assert.equal(pool.queued, 1);
    await Promise.all([running, queued]);
    assert.equal(pool.queued, 0);
    await pool.hash("four");
  } finally {
    pool.close();
  }
});

Deno.test("PasswordPool.close() fails the jobs still pending", async () => {
  const pool = new PasswordPool({ workers: 1, queueSize: 4 });
  const jobs = [pool.hash("a"), pool.hash("b")];
  pool.close();
  for (const job of jobs) {
    await assert.rejects(job, isCode(ErrorCode.Disconnected));
  }
  await assert.rejects(pool.hash("c"), isCode(ErrorCode.Disconnected));
});

Deno.test("PasswordService.verify() shares identical checks in flight and remembers successes", async () => {
  // One worker and no queue: any second argon2id run at the same time would be refused.
  const service = new PasswordService({ workers: 1, queueSize: 0 });
  try {
    const hash = await service.hash("secret");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => service.verify("secret", hash)),
    );
    assert.deepEqual(answers, Array(20).fill(true));
    // The worker is busy, yet a verified password needs none.
    const busy = service.hash("other");
    assert.equal(await service.verify("secret", hash), true);
    await assert.rejects(
      service.verify("wrong", hash),
      isCode(ErrorCode.LoginQueueFull),
    );
    const newHash = await busy;
    assert.equal(
      await service.verify("secret", newHash),
      false,
      "a remembered success is tied to the hash it was checked against",
    );
  } finally {
    service.close();
  }
});

Deno.test("PasswordService.verify() of an unknown user costs a verification and fails", async () => {
  const service = new PasswordService({ workers: 1 });
  try {
    assert.equal(await service.verify("secret", undefined), false);
  } finally {
    service.close();
  }
});

Deno.test("PasswordService forgets successes after verifiedTtlMs", async () => {
  let now = 0;
  const service = new PasswordService({
    workers: 1,
    queueSize: 0,
    verifiedTtlMs: 1000,
    now: () => now,
  });
  try {
    const hash = await service.hash("secret");
    assert.equal(await service.verify("secret", hash), true);
    const busy = service.hash("other");
    now = 1001;
    await assert.rejects(
      service.verify("secret", hash),
      isCode(ErrorCode.LoginQueueFull),
      "expired: a new argon2id run is needed",
    );
    await busy;
  } finally {
    service.close();
  }
});

Deno.test("PasswordPool replaces a worker after jobsPerWorker jobs and keeps serving", async () => {
  const pool = new PasswordPool({ workers: 1, queueSize: 8, jobsPerWorker: 2 });
  try {
    const hash = await pool.hash("secret");
    const answers = await Promise.all(
      ["secret", "wrong", "secret", "wrong", "secret"].map((p) =>
        pool.verify(p, hash)
      ),
    );
    assert.deepEqual(answers, [true, false, true, false, true]);
  } finally {
    pool.close();
  }
});

Deno.test("PasswordPool with prestart serves at once and stays correct across replaced workers", async () => {
  const pool = new PasswordPool({
    workers: 1,
    queueSize: 16,
    jobsPerWorker: 2,
  });
  pool.prestart();
  try {
    const passwords = ["first", "second", "third"];
    const hashes = [];
    for (const password of passwords) hashes.push(await pool.hash(password));
    for (const [i, hash] of hashes.entries()) {
      // Checked afresh on this thread, and again on the worker.
      assert.equal(await verifyPassword(passwords[i]!, hash), true);
      assert.equal(await pool.verify(passwords[i]!, hash), true);
      assert.equal(await pool.verify(passwords[(i + 1) % 3]!, hash), false);
    }
  } finally {
    pool.close();
  }
});
