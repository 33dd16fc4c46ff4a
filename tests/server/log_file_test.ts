import assert from "node:assert/strict";
import { join } from "node:path";
import { LOG_FILE_NAME, LogFile } from "../../server/log_file.ts";

const HOUR = 3600_000;

/** Runs `fn` in a fresh temporary directory, removed afterwards. */
function inTempDir(fn: (dir: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "iggy_test_" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

function open(
  dir: string,
  options: Partial<Parameters<typeof LogFile.open>[0]> = {},
): LogFile {
  return LogFile.open({
    dir,
    maxFileSize: 0,
    maxTotalSize: 0,
    retention: 7 * 24 * HOUR,
    rotationCheckInterval: HOUR,
    ...options,
  });
}

/** Log file names in `dir`, oldest first (`.N` ... `.1`, then the active file). */
function logFiles(dir: string): string[] {
  const index = (name: string) =>
    name === LOG_FILE_NAME ? 0 : Number(name.slice(LOG_FILE_NAME.length + 1));
  return [...Deno.readDirSync(dir)].map((entry) => entry.name)
    .filter((name) => name.startsWith(LOG_FILE_NAME))
    .sort((a, b) => index(b) - index(a));
}

function line(i: number): string {
  return `line ${String(i).padStart(4, "0")} ${"x".repeat(80)}`;
}

Deno.test("LogFile rotates at max_file_size and loses no line", () => {
  inTempDir((dir) => {
    const file = open(join(dir, "logs"), { maxFileSize: 1000 });
    for (let i = 0; i < 50; i++) file.write(line(i));
    file.close();
    const names = logFiles(join(dir, "logs"));
    assert.ok(names.length >= 5, `rotated into ${names.join(", ")}`);
    let all = "";
    for (const name of names) {
      const text = Deno.readTextFileSync(join(dir, "logs", name));
      assert.ok(text.length <= 1000, `${name} holds ${text.length} bytes`);
      all += text;
    }
    const expected = Array.from({ length: 50 }, (_, i) => line(i) + "\n");
    assert.equal(all, expected.join(""));
  });
});

Deno.test("LogFile keeps as many rotated files as max_total_size holds", () => {
  inTempDir((dir) => {
    const file = open(dir, { maxFileSize: 1000, maxTotalSize: 3000 });
    for (let i = 0; i < 80; i++) file.write(line(i));
    file.close();
    // The active file and 2 rotated ones make the 3000 bytes.
    assert.deepEqual(logFiles(dir), [
      `${LOG_FILE_NAME}.2`,
      `${LOG_FILE_NAME}.1`,
      LOG_FILE_NAME,
    ]);
  });
});

Deno.test("LogFile without max_file_size writes one file", () => {
  inTempDir((dir) => {
    const file = open(dir);
    for (let i = 0; i < 50; i++) file.write(line(i));
    file.close();
    assert.deepEqual(logFiles(dir), [LOG_FILE_NAME]);
    assert.equal(Deno.statSync(join(dir, LOG_FILE_NAME)).size, 50 * 91);
  });
});

Deno.test("LogFile.sweep() deletes rotated files past retention, then the oldest above max_total_size", () => {
  inTempDir((dir) => {
    const now = Date.now();
    const file = open(dir, {
      maxFileSize: 1000,
      maxTotalSize: 2500,
      retention: 24 * HOUR,
    });
    file.write("active");
    // Rotated files of 1000 bytes, from 3 days old (.4) to 1 hour old (.1).
    const ages = [HOUR, 2 * HOUR, 3 * HOUR, 72 * HOUR];
    ages.forEach((age, i) => {
      const path = join(dir, `${LOG_FILE_NAME}.${i + 1}`);
      Deno.writeTextFileSync(path, "y".repeat(1000));
      const time = new Date(now - age);
      Deno.utimeSync(path, time, time);
    });
    // .4 is past retention; then .3, the oldest left, goes to bring 3007 bytes under 2500.
    assert.deepEqual(file.sweep(now).sort(), [
      `${LOG_FILE_NAME}.3`,
      `${LOG_FILE_NAME}.4`,
    ]);
    assert.deepEqual(logFiles(dir), [
      `${LOG_FILE_NAME}.2`,
      `${LOG_FILE_NAME}.1`,
      LOG_FILE_NAME,
    ]);
    assert.deepEqual(file.sweep(now), []);
    file.close();
    assert.equal(Deno.readTextFileSync(join(dir, LOG_FILE_NAME)), "active\n");
  });
});

Deno.test("LogFile.check() rotates a non-empty active file, then sweeps", () => {
  inTempDir((dir) => {
    const file = open(dir, { maxFileSize: 1_000_000 });
    file.check();
    assert.deepEqual(logFiles(dir), [LOG_FILE_NAME], "an empty file stays");
    file.write("first");
    file.check();
    file.write("second");
    assert.deepEqual(logFiles(dir), [`${LOG_FILE_NAME}.1`, LOG_FILE_NAME]);
    file.close();
    assert.equal(
      Deno.readTextFileSync(join(dir, `${LOG_FILE_NAME}.1`)),
      "first\n",
    );
    assert.equal(Deno.readTextFileSync(join(dir, LOG_FILE_NAME)), "second\n");
  });
});
