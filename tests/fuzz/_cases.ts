/**
 * Fuzz case generation: a seeded PRNG, mutations of valid frames, random frames and hostile lengths,
 * and what the server must answer to a frame over its size cap. Pure functions, no I/O.
 * @module
 */

import {
  CommandCode,
  decodeChangePassword,
  decodeDeleteUser,
  decodeLoginUser,
  decodeLoginWithPersonalAccessToken,
  decodeUpdatePermissions,
  decodeUpdateUser,
  encodeChangePassword,
  encodeDeleteUser,
  encodeLoginUser,
  encodeLoginWithPersonalAccessToken,
  encodeRequest,
  encodeUpdatePermissions,
  encodeUpdateUser,
  ErrorCode,
  FRAME_HEADER_SIZE,
  MAX_CONTROL_PAYLOAD,
} from "../../client/protocol/mod.ts";
import {
  DEFAULT_MAX_SEND_MESSAGES_SIZE,
  DEFAULT_MAX_UNAUTHENTICATED_SIZE,
} from "../../server/binary/request_limits.ts";
import { concat } from "../protocol/_codec.ts";
import { ROOT, ROOT_USER_ID } from "./_corpus.ts";

/** A deterministic PRNG (mulberry32) returning numbers in [0, 1). */
export type Random = () => number;

/** Makes a {@linkcode Random} from a 32-bit seed. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of case `index` of stream `salt` in a run seeded `seed`: every case can be replayed alone. */
export function caseSeed(seed: number, salt: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ salt;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ index;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/** An integer in [0, n). */
export function below(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** One element of `items`. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[below(random, items.length)]!;
}

/** Frame lengths that break naive arithmetic: below the code, the sign bit, the u32 edge. */
export const HOSTILE_LENGTHS: readonly number[] = [
  0,
  3,
  4,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
];

/** u32 values written into payloads at random places. */
const HOSTILE_U32: readonly number[] = [
  ...HOSTILE_LENGTHS,
  1,
  2,
  16,
  64,
  255,
  256,
  65535,
  65536,
  2 ** 24,
  2 ** 32 - 2,
  2 ** 32 - 64,
];

/** A generated binary case: a whole request frame, possibly with a lying length field. */
export interface BinaryCase {
  /** How it was made. */
  kind: "mutated" | "random" | "hostile" | "big";
  /** The command code in the header. */
  code: number;
  /** The length field of the header (4 + payload when it tells the truth). */
  length: number;
  /** What follows the header. */
  body: Uint8Array;
}

function randomBytes(random: Random, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Mostly small bytes, so that lengths, kinds and identifiers are often almost valid.
    out[i] = random() < 0.6 ? below(random, 8) : below(random, 256);
  }
  return out;
}

/** Applies 1 to 4 random mutations to a copy of `seed`. */
export function mutate(random: Random, seed: Uint8Array): Uint8Array {
  let bytes: Uint8Array = seed.slice();
  const rounds = 1 + below(random, 4);
  for (let r = 0; r < rounds; r++) {
    const op = below(random, 7);
    if (op === 0 && bytes.length > 0) {
      bytes[below(random, bytes.length)]! ^= 1 << below(random, 8);
    } else if (op === 1 && bytes.length > 0) {
      bytes[below(random, bytes.length)] = pick(random, [
        0,
        1,
        0x7f,
        0x80,
        0xff,
      ]);
    } else if (op === 2 && bytes.length >= 4) {
      const at = below(random, bytes.length - 3);
      const value = random() < 0.8
        ? pick(random, HOSTILE_U32)
        : bytes.length - at + below(random, 9) - 4;
      new DataView(bytes.buffer).setUint32(at, value >>> 0, true);
    } else if (op === 3 && bytes.length > 0) {
      bytes = bytes.slice(0, below(random, bytes.length));
    } else if (op === 4) {
      bytes = concat(bytes, randomBytes(random, below(random, 48)));
    } else if (op === 5 && bytes.length > 1) {
      const from = below(random, bytes.length);
      const to = from + below(random, bytes.length - from);
      const at = below(random, bytes.length);
      bytes = concat(
        bytes.subarray(0, at),
        bytes.slice(from, to),
        bytes.subarray(at),
      );
    } else if (bytes.length > 0) {
      const at = below(random, bytes.length);
      bytes = concat(bytes.subarray(0, at), bytes.subarray(at + 1));
    }
  }
  return bytes;
}

/** Frames a client could hide in a payload that a server cutting it short would run. */
export function hiddenFrames(): Uint8Array {
  return concat(
    encodeRequest(CommandCode.LoginUser, encodeLoginUser(ROOT)),
    encodeRequest(CommandCode.GetStreams, new Uint8Array(0)),
  );
}

/**
 * Makes one case from `random`: a mutated valid frame (55 %), random bytes (20 %), a hostile
 * length with hidden frames behind it (20 %) or a truthful frame a little above the pre-login
 * cap (5 %).
 */
export function generateCase(
  random: Random,
  seeds: ReadonlyMap<number, Uint8Array>,
): BinaryCase {
  const codes = [...seeds.keys()];
  const roll = random();
  if (roll < 0.55) {
    const code = pick(random, codes);
    const body = mutate(random, seeds.get(code)!);
    return { kind: "mutated", code, length: 4 + body.length, body };
  }
  if (roll < 0.75) {
    const code = random() < 0.7 ? pick(random, codes) : below(random, 2 ** 32);
    const body = randomBytes(random, below(random, random() < 0.9 ? 96 : 2048));
    return { kind: "random", code, length: 4 + body.length, body };
  }
  if (roll < 0.95) {
    const code = pick(random, codes);
    const body = concat(seeds.get(code)!, hiddenFrames());
    return {
      kind: "hostile",
      code,
      length: pick(random, HOSTILE_LENGTHS),
      body,
    };
  }
  const code = pick(random, codes);
  const body = randomBytes(
    random,
    DEFAULT_MAX_UNAUTHENTICATED_SIZE + 1 + below(random, 4096),
  );
  return { kind: "big", code, length: 4 + body.length, body };
}

/** The 8-byte header of `c` followed by `body` (its own body by default). */
export function frameBytes(c: BinaryCase, body = c.body): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, c.length >>> 0, true);
  view.setUint32(4, c.code >>> 0, true);
  out.set(body, FRAME_HEADER_SIZE);
  return out;
}

const PRE_LOGIN = new Set<number>([
  CommandCode.Ping,
  CommandCode.LoginUser,
  CommandCode.LoginWithPersonalAccessToken,
]);

/**
 * The error code the server must answer (then close) for a frame over its size cap with the
 * default `[request_limits]`, or `undefined` when the frame may be read.
 */
export function expectedRefusal(
  code: number,
  payloadLength: number,
  authenticated: boolean,
): number | undefined {
  if (!authenticated) {
    if (payloadLength <= DEFAULT_MAX_UNAUTHENTICATED_SIZE) return undefined;
    return PRE_LOGIN.has(code)
      ? ErrorCode.InvalidCommand
      : ErrorCode.Unauthenticated;
  }
  if (code === CommandCode.SendMessages) {
    return payloadLength > DEFAULT_MAX_SEND_MESSAGES_SIZE
      ? ErrorCode.InvalidMessagesSize
      : undefined;
  }
  return payloadLength > MAX_CONTROL_PAYLOAD
    ? ErrorCode.InvalidCommand
    : undefined;
}

/** What the harness's own session needs to keep: the root user and its login token. */
export interface Protected {
  /** The personal access token the harness logs in with. */
  token: string;
  /** Its name (never deleted by a case). */
  tokenName: string;
}

function isRoot(id: number | string): boolean {
  return id === ROOT_USER_ID || id === ROOT.username;
}

function tryDecode<T>(decode: (payload: Uint8Array) => T, body: Uint8Array) {
  try {
    return decode(body);
  } catch {
    return undefined;
  }
}

/** A command on the root user, aimed at the fuzz user instead. */
function retarget<C extends { userId: number | string }>(
  body: Uint8Array,
  decode: (payload: Uint8Array) => C,
  encode: (command: C) => Uint8Array,
): Uint8Array {
  const command = tryDecode(decode, body);
  return command && isRoot(command.userId)
    ? encode({ ...command, userId: "fuzzer" })
    : body;
}

/**
 * Rewrites a payload that decodes to a command against the harness itself: a login with other
 * credentials gets the valid ones (a failed login would engage the per-address login throttle and
 * slow every later case), and changes of the root user are aimed at the fuzz user instead.
 * Anything that does not decode is sent as is.
 */
export function shield(
  code: number,
  body: Uint8Array,
  own: Protected,
): Uint8Array {
  switch (code) {
    case CommandCode.LoginUser: {
      const login = tryDecode(decodeLoginUser, body);
      return login ? encodeLoginUser({ ...login, ...ROOT }) : body;
    }
    case CommandCode.LoginWithPersonalAccessToken: {
      const login = tryDecode(decodeLoginWithPersonalAccessToken, body);
      return login
        ? encodeLoginWithPersonalAccessToken({ token: own.token })
        : body;
    }
    case CommandCode.DeleteUser: {
      const cmd = tryDecode(decodeDeleteUser, body);
      return cmd && isRoot(cmd.userId)
        ? encodeDeleteUser({ userId: "fuzzer" })
        : body;
    }
    case CommandCode.UpdateUser:
      return retarget(body, decodeUpdateUser, encodeUpdateUser);
    case CommandCode.UpdatePermissions:
      return retarget(body, decodeUpdatePermissions, encodeUpdatePermissions);
    case CommandCode.ChangePassword:
      return retarget(body, decodeChangePassword, encodeChangePassword);
    case CommandCode.DeletePersonalAccessToken: {
      // The name is the whole payload after its length byte: compare the text.
      const text = new TextDecoder().decode(body.subarray(1));
      return text === own.tokenName ? body.map((b) => b ^ 1) : body;
    }
  }
  return body;
}

/**
 * {@linkcode shield} applied to a case; a truthful length field follows the rewritten payload
 * (a login with other credentials may change its size).
 */
export function shieldCase(c: BinaryCase, own: Protected): BinaryCase {
  const body = shield(c.code, c.body, own);
  if (body === c.body) return c;
  const truthful = c.length === 4 + c.body.length;
  return { ...c, body, length: truthful ? 4 + body.length : c.length };
}

/** First bytes of `bytes` in hex, for failure messages. */
export function preview(bytes: Uint8Array, max = 48): string {
  const hex = Array.from(
    bytes.subarray(0, max),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return bytes.length > max ? `${hex}… (${bytes.length} B)` : hex;
}
