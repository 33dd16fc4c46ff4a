/**
 * The file operations of the metadata log, the snapshot writer, offset files and entity
 * directories (`write`, `fsync`, `rename`, `remove`, `mkdir`), with a fault injector that tests
 * can arm against a real server process.
 *
 * Arming: only when the server starts with `IGGY_TEST_FAULTS=<path of a control file>`. Before
 * each operation the layer then reads that file; a JSON spec there such as
 * `{"op": "fsync", "nth": 2, "error": "ENOSPC"}` makes the 2nd fsync after the spec appeared
 * fail with ENOSPC (`"op": "any"` counts every operation; `times` makes that many consecutive
 * matching operations fail, 0 = until the spec changes; `path` limits it to paths containing
 * that text). Every change of the file's content restarts the count; an empty file or `{}`
 * disarms (so arming the same spec twice needs a disarm in between). Each
 * injected failure is appended to `<control file>.fired`, one JSON line, so a test knows
 * whether and where its fault struck. Without the variable nothing is read and nothing can be
 * armed: a normal server has no way in.
 * @module
 */

/** An operation the layer can fail. */
export type FaultOp = "write" | "fsync" | "rename" | "remove" | "mkdir";

/** What a test writes to the control file. */
export interface FaultSpec {
  /** Which operations count; `any` = all of them. */
  op: FaultOp | "any";
  /** The first failing operation, 1-based, counted from when this spec was first read. */
  nth: number;
  /** How many consecutive matching operations fail; 0 = all until the spec changes. @default {1} */
  times?: number;
  /** The errno name reported. @default {"EIO"} */
  error?: string;
  /** Only operations on paths containing this text count. */
  path?: string;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: "No space left on device (os error 28)",
  EIO: "Input/output error (os error 5)",
  EDQUOT: "Disk quota exceeded (os error 122)",
  EROFS: "Read-only file system (os error 30)",
};

/** The armed state: the control file, the spec read from it and the count of matching ops. */
interface Injector {
  control: string;
  text: string;
  spec: FaultSpec | undefined;
  seen: number;
}

const injector: Injector | undefined = initInjector();

function initInjector(): Injector | undefined {
  let control: string | undefined;
  try {
    control = Deno.env.get("IGGY_TEST_FAULTS");
  } catch {
    return undefined; // no env permission: never armed
  }
  return control ? { control, text: "", spec: undefined, seen: 0 } : undefined;
}

function readSpec(inj: Injector): void {
  let text = "";
  try {
    text = Deno.readTextFileSync(inj.control);
  } catch {
    // No control file: disarmed.
  }
  if (text === inj.text) return;
  inj.text = text;
  inj.seen = 0;
  let parsed: FaultSpec | undefined;
  try {
    parsed = text.trim() === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined; // not a spec: disarmed
  }
  inj.spec = typeof parsed?.op === "string" ? parsed : undefined;
}

/** Throws the armed error when `op` on `path` is the one to fail. */
function check(op: FaultOp, path: string): void {
  const inj = injector;
  if (!inj) return;
  readSpec(inj);
  const spec = inj.spec;
  if (!spec || (spec.op !== "any" && spec.op !== op)) return;
  if (spec.path !== undefined && !path.includes(spec.path)) return;
  inj.seen++;
  const times = spec.times ?? 1;
  if (inj.seen < spec.nth || (times > 0 && inj.seen >= spec.nth + times)) {
    return;
  }
  const errno = spec.error ?? "EIO";
  Deno.writeTextFileSync(
    `${inj.control}.fired`,
    JSON.stringify({ op, path, errno, nth: inj.seen }) + "\n",
    { append: true },
  );
  const text = ERRNO_TEXT[errno] ?? errno;
  throw Object.assign(new Error(`${text} (injected): ${op} '${path}'`), {
    code: errno,
  });
}

/** An open file and its path (what faults are matched against). */
export interface PathedFile {
  file: Deno.FsFile;
  path: string;
}

/**
 * Writes all of `bytes` to the file at its current position.
 * @param target the open file and its path
 * @param bytes what to write
 */
export async function write(
  { file, path }: PathedFile,
  bytes: Uint8Array,
): Promise<void> {
  check("write", path);
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}

/** fsyncs the data of a file. */
export async function fsync({ file, path }: PathedFile): Promise<void> {
  check("fsync", path);
  await file.syncData();
}

/** fsyncs the directory `dir`, so renames and creations in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  check("fsync", dir);
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(dir, { read: true });
  } catch {
    return; // not every platform lets a directory be opened; the rename stands
  }
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Renames `from` to `to` (atomic within a file system). */
export async function rename(from: string, to: string): Promise<void> {
  check("rename", to);
  await Deno.rename(from, to);
}

/**
 * Removes `path` (recursively when asked); a missing path is not an error.
 * @returns whether something was removed
 */
export async function remove(
  path: string,
  options: { recursive?: boolean } = {},
): Promise<boolean> {
  check("remove", path);
  try {
    await Deno.remove(path, options);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Creates the directory `path` with its missing parents (an existing one is fine). */
export async function mkdir(path: string): Promise<void> {
  check("mkdir", path);
  await Deno.mkdir(path, { recursive: true });
}
