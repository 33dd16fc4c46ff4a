/**
 * The fuzz harness: seeded cases (see `_cases.ts`) against a real server child over TCP, QUIC,
 * WebSocket and HTTP. After every case it checks that the server is up, that the connection is
 * either closed (only where the protocol says so) or in sync (the next Ping is answered), that no
 * internal error was logged or answered (status 1, HTTP 500), and that the server's RSS stays under
 * the stated bound. The first failure throws with the seed, transport and case index to replay.
 * @module
 */

import {
  CommandCode,
  decodeRawPersonalAccessToken,
  encodeCreateConsumerGroup,
  encodeCreatePersonalAccessToken,
  encodeCreateStream,
  encodeCreateTopic,
  encodeCreateUser,
  encodeLoginUser,
  encodeLoginWithPersonalAccessToken,
  encodeRequest,
  ErrorCode,
  FRAME_HEADER_SIZE,
} from "../../client/protocol/mod.ts";
import { generateSelfSigned } from "../../server/tls.ts";
import { startServer, type TestServer } from "../_server.ts";
import { RawClient } from "../server/_raw_client.ts";
import {
  type BinaryCase,
  caseSeed,
  expectedRefusal,
  frameBytes,
  generateCase,
  preview,
  prng,
  type Protected,
  type Random,
  shieldCase,
} from "./_cases.ts";
import { ROOT, seedPayloads } from "./_corpus.ts";
import { concat } from "../protocol/_codec.ts";
import { httpCase, type HttpRoute } from "./_http_cases.ts";
import { openApi } from "../server/http/_app.ts";

/** The transports the harness drives. */
export const TRANSPORTS = ["tcp", "quic", "websocket", "http"] as const;
/** One of {@linkcode TRANSPORTS}. */
export type Transport = typeof TRANSPORTS[number];

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  /** Seed of the whole run (printed with every failure). */
  seed: number;
  /** Cases per transport. */
  cases: Record<Transport, number>;
  /** Only this case of each transport (replay), when set. */
  only?: number;
  /** The server's RSS must stay below this many bytes after every case. */
  rssLimit: number;
  /** Every route of the HTTP API (method and path pattern). */
  routes: readonly HttpRoute[];
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What a run did. */
export interface FuzzReport {
  cases: Record<Transport, number>;
  /** HTTP routes (`METHOD /pattern`) that got at least one case. */
  routesCovered: Set<string>;
  /** Connections the server closed as the protocol says it must (over-cap frames, bad messages). */
  closedByServer: number;
  /** Server RSS (bytes) before the first case and the highest after any case. */
  rss: { before: number; max: number };
  ms: number;
}

/** Log lines that only an unexpected exception on the server writes. */
const INTERNAL_ERRORS = [
  /ERROR\s+Command failed/,
  /ERROR\s+HTTP handler failed/,
  /WARN\s+Connection error/,
  /WARN\s+WebSocket request failed/,
  /Uncaught|panicked|RangeError|TypeError/,
];

/** Milliseconds one exchange may take before the case fails as a hang. */
const CASE_DEADLINE_MS = 15_000;

class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

/** A server child set up for fuzzing: QUIC with a certificate the harness trusts. */
export interface FuzzServer extends AsyncDisposable {
  server: TestServer;
  cert: string;
}

/** Starts the server child with every transport on, for {@linkcode runFuzz}. */
export async function startFuzzServer(
  env: Record<string, string> = {},
): Promise<FuzzServer> {
  const pair = await generateSelfSigned();
  const dir = await Deno.makeTempDir({ prefix: "iggy_fuzz_cert_" });
  await Deno.writeTextFile(`${dir}/cert.pem`, pair.cert);
  await Deno.writeTextFile(`${dir}/key.pem`, pair.key);
  const server = await startServer({
    env: {
      IGGY_QUIC_CERTIFICATE_SELF_SIGNED: "false",
      IGGY_QUIC_CERTIFICATE_CERT_FILE: `${dir}/cert.pem`,
      IGGY_QUIC_CERTIFICATE_KEY_FILE: `${dir}/key.pem`,
      ...env,
    },
  });
  return {
    server,
    cert: pair.cert,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Resident set size of process `pid` in bytes, from `/proc/<pid>/status` (throws when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const state = /^State:\s+(\S)/m.exec(status)?.[1];
  if (state === "Z" || state === "X") {
    throw new FuzzFailure(`server process ${pid} is gone (state ${state})`);
  }
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new FuzzFailure(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}

async function within<T>(
  promise: Promise<T>,
  what: string,
  ms = CASE_DEADLINE_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new FuzzFailure(`${what}: no answer within ${ms} ms`)),
          ms,
        )
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new FuzzFailure(message);
}

/** Status and payload of one answer frame. */
interface Answer {
  status: number;
  payload: Uint8Array;
}

function parseAnswer(frame: Uint8Array, what: string): Answer {
  check(frame.length >= FRAME_HEADER_SIZE, `${what}: short answer`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const length = view.getUint32(4, true);
  check(
    frame.length === FRAME_HEADER_SIZE + length,
    `${what}: answer of ${frame.length} B says ${length} B of payload`,
  );
  return {
    status: view.getUint32(0, true),
    payload: frame.subarray(FRAME_HEADER_SIZE),
  };
}

/**
 * Logs a fresh connection in with the harness's token, on 3 connections out of 4 (the others stay
 * anonymous, so that the pre-login caps are fuzzed too).
 * @returns whether it logged in
 */
async function maybeLogIn(
  random: Random,
  own: Protected,
  request: (code: number, payload: Uint8Array) => Promise<Answer>,
  what: string,
): Promise<boolean> {
  if (random() >= 0.75) return false;
  const login = await request(
    CommandCode.LoginWithPersonalAccessToken,
    encodeLoginWithPersonalAccessToken({ token: own.token }),
  );
  check(login.status === 0, `${what}: login answered ${login.status}`);
  return true;
}

/** Login state changes a case's answer implies. */
function authAfter(code: number, status: number, before: boolean): boolean {
  if (status !== 0) return before;
  if (
    code === CommandCode.LoginUser ||
    code === CommandCode.LoginWithPersonalAccessToken
  ) return true;
  if (code === CommandCode.LogoutUser) return false;
  return before;
}

/** The errors after which the server closes a connection on its own (binary.md §1.2). */
function closesAfter(status: number): boolean {
  return status === ErrorCode.StaleClient ||
    status === ErrorCode.ClientNotFound;
}

/** Shared state of a run. */
interface Run {
  server: TestServer;
  cert: string;
  own: Protected;
  seeds: ReadonlyMap<number, Uint8Array>;
  report: FuzzReport;
  logOffset: number;
  rssLimit: number;
}

async function afterCase(run: Run, what: string): Promise<void> {
  const rss = await rssOf(run.server.pid!);
  run.report.rss.max = Math.max(run.report.rss.max, rss);
  check(
    rss < run.rssLimit,
    `${what}: server RSS ${rss} B is over the bound of ${run.rssLimit} B`,
  );
  const log = run.server.stderr();
  const fresh = log.slice(run.logOffset);
  run.logOffset = log.length;
  for (const line of fresh.split("\n")) {
    for (const pattern of INTERNAL_ERRORS) {
      check(!pattern.test(line), `${what}: internal error logged: ${line}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Binary transports: one driver per transport, the same cases.

/** What a binary transport does with a case and a Ping. */
interface BinaryDriver {
  /** Runs one case on the current connection (opened, and logged in when asked, beforehand). */
  run(c: BinaryCase, random: Random, what: string): Promise<void>;
  close(): Promise<void>;
}

function tcpDriver(run: Run): BinaryDriver {
  let client: RawClient | undefined;
  let authenticated = false;
  const port = run.server.tcp.port;

  async function open(random: Random, what: string): Promise<RawClient> {
    if (client) return client;
    client = await RawClient.connect(port);
    const c = client;
    authenticated = await maybeLogIn(
      random,
      run.own,
      (code, payload) => within(c.request(code, payload), `${what}: login`),
      what,
    );
    return client;
  }

  function drop(): void {
    client?.close();
    client = undefined;
  }

  return {
    async run(c, random, what) {
      const conn = await open(random, what);
      const payloadLength = c.length - 4;
      if (c.length < 4) {
        // The server answers 3 and reads the next header right after this one.
        await conn.write(frameBytes(c, new Uint8Array(0)));
        const answer = await within(conn.answer(), what);
        check(
          answer?.status === ErrorCode.InvalidCommand,
          `${what}: length ${c.length} answered ${answer?.status}`,
        );
      } else {
        const refusal = expectedRefusal(c.code, payloadLength, authenticated);
        if (refusal !== undefined) {
          // Over the cap: one error answer, then the connection closes; nothing behind the
          // header (hidden frames included) may be read as a request.
          await conn.write(frameBytes(c)).catch(() => {});
          const answer = await within(conn.answer(), what);
          check(
            answer?.status === refusal,
            `${what}: over-cap frame (${payloadLength} B, code ${c.code}) answered ${answer?.status}, expected ${refusal}`,
          );
          const after = await within(conn.answer(), `${what} (after refusal)`);
          check(
            after === null,
            `${what}: the connection answered again (status ${after?.status}) after refusing a frame`,
          );
          run.report.closedByServer++;
          drop();
          return;
        }
        // TCP has no message boundaries: the body is cut or zero-padded to the declared length.
        const body = new Uint8Array(payloadLength);
        body.set(c.body.subarray(0, payloadLength));
        await conn.write(frameBytes(shieldCase({ ...c, body }, run.own)));
        const answer = await within(conn.answer(), what);
        check(
          answer !== null,
          `${what}: connection closed instead of an answer`,
        );
        check(
          answer!.status !== ErrorCode.Error,
          `${what}: internal error (1)`,
        );
        if (closesAfter(answer!.status)) {
          drop();
          return;
        }
        authenticated = authAfter(c.code, answer!.status, authenticated);
      }
      const ping = await within(conn.request(CommandCode.Ping), `${what} ping`);
      check(
        ping.status === 0,
        `${what}: out of sync, Ping answered ${ping.status}`,
      );
    },
    close() {
      drop();
      return Promise.resolve();
    },
  };
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return concat(...chunks);
}

/** Sends `bytes` on a new stream; the answer frame, or null when the server dropped the stream. */
async function quicExchange(
  conn: Deno.QuicConn,
  bytes: Uint8Array,
): Promise<Uint8Array | null> {
  const stream = await conn.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
  } catch {
    // the server may stop reading once it has refused the header
  }
  try {
    const answer = await readAll(stream.readable);
    return answer.length === 0 ? null : answer;
  } catch {
    return null;
  }
}

function quicDriver(run: Run): BinaryDriver {
  let conn: Deno.QuicConn | undefined;
  let authenticated = false;
  let refusals = 0;
  const port = run.server.quic!.port;

  async function request(
    c: Deno.QuicConn,
    code: number,
    payload: Uint8Array,
    what: string,
  ): Promise<Answer> {
    const frame = await within(
      quicExchange(c, encodeRequest(code, payload)),
      what,
    );
    check(frame !== null, `${what}: stream dropped`);
    return parseAnswer(frame!, what);
  }

  async function open(random: Random, what: string): Promise<Deno.QuicConn> {
    if (conn) return conn;
    conn = await Deno.connectQuic({
      hostname: "127.0.0.1",
      port,
      serverName: "localhost",
      alpnProtocols: [],
      caCerts: [run.cert],
    });
    const c = conn;
    authenticated = await maybeLogIn(
      random,
      run.own,
      (code, payload) => request(c, code, payload, `${what}: login`),
      what,
    );
    return conn;
  }

  function drop(): void {
    try {
      conn?.close({ closeCode: 0, reason: "" });
    } catch {
      // already closed
    }
    conn = undefined;
  }

  return {
    async run(original, random, what) {
      const c = shieldCase(original, run.own);
      const quic = await open(random, what);
      const payloadLength = c.length - 4;
      const refusal = c.length < 4
        ? undefined
        : expectedRefusal(c.code, payloadLength, authenticated);
      const frame = await within(quicExchange(quic, frameBytes(c)), what);
      if (refusal !== undefined) {
        check(frame !== null, `${what}: over-cap frame got no answer`);
        const answer = parseAnswer(frame!, what);
        check(
          answer.status === refusal,
          `${what}: over-cap frame (${payloadLength} B, code ${c.code}) answered ${answer.status}, expected ${refusal}`,
        );
        // The server closes the connection (after a linger that ends when the client closes):
        // wait for it on some cases, close from this side on the others to keep the run fast.
        if (refusals++ % 32 === 0) {
          await within(quic.closed, `${what}: server close after refusal`);
        }
        run.report.closedByServer++;
        drop();
        return;
      }
      if (c.length < 4 || c.body.length < payloadLength) {
        check(frame === null, `${what}: a short or invalid frame was answered`);
      } else if (frame !== null) {
        const answer = parseAnswer(frame, what);
        check(answer.status !== ErrorCode.Error, `${what}: internal error (1)`);
        if (closesAfter(answer.status)) {
          drop();
          return;
        }
        authenticated = authAfter(c.code, answer.status, authenticated);
      } else {
        throw new FuzzFailure(`${what}: a whole frame got no answer`);
      }
      const ping = await request(
        quic,
        CommandCode.Ping,
        new Uint8Array(0),
        `${what} ping`,
      );
      check(ping.status === 0, `${what}: Ping answered ${ping.status}`);
    },
    close() {
      drop();
      return Promise.resolve();
    },
  };
}

/** A WebSocket that queues what it receives. */
class Socket {
  readonly ws: WebSocket;
  readonly closed: Promise<number>;
  #queue: (ArrayBuffer | null)[] = [];
  #waiting: ((m: ArrayBuffer | null) => void) | undefined;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onmessage = (e) => this.#push(e.data as ArrayBuffer);
    this.ws.onerror = () => {};
    this.closed = new Promise((resolve) =>
      this.ws.onclose = (e) => {
        this.#push(null);
        resolve(e.code);
      }
    );
  }

  #push(m: ArrayBuffer | null): void {
    if (this.#waiting) {
      this.#waiting(m);
      this.#waiting = undefined;
    } else this.#queue.push(m);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.onopen = () => resolve();
      this.ws.onerror = () => reject(new Error("WebSocket did not open"));
    });
  }

  /** The next message, or null once closed. */
  next(): Promise<ArrayBuffer | null> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    return new Promise((resolve) => this.#waiting = resolve);
  }
}

function websocketDriver(run: Run): BinaryDriver {
  let socket: Socket | undefined;
  let authenticated = false;
  const url = `ws://127.0.0.1:${run.server.websocket!.port}/`;

  async function request(
    s: Socket,
    code: number,
    payload: Uint8Array,
    what: string,
  ): Promise<Answer> {
    s.ws.send(encodeRequest(code, payload));
    const message = await within(s.next(), what);
    check(message !== null, `${what}: socket closed`);
    return parseAnswer(new Uint8Array(message!), what);
  }

  async function open(random: Random, what: string): Promise<Socket> {
    if (socket) return socket;
    const s = new Socket(url);
    await within(s.opened(), `${what}: connect`);
    socket = s;
    authenticated = await maybeLogIn(
      random,
      run.own,
      (code, payload) => request(s, code, payload, `${what}: login`),
      what,
    );
    return s;
  }

  async function drop(): Promise<void> {
    const s = socket;
    socket = undefined;
    if (!s) return;
    if (s.ws.readyState === WebSocket.OPEN) s.ws.close();
    await within(s.closed, "WebSocket close");
  }

  return {
    async run(original, random, what) {
      const c = shieldCase(original, run.own);
      const s = await open(random, what);
      const bytes = frameBytes(c);
      s.ws.send(bytes);
      const truthful = c.length === bytes.length - 4;
      const refusal = truthful
        ? expectedRefusal(c.code, c.length - 4, authenticated)
        : undefined;
      if (!truthful || refusal !== undefined) {
        // A message that is not one whole frame, or is over the cap: closed by the server,
        // with the refusal's error answer first.
        if (refusal !== undefined) {
          const message = await within(s.next(), what);
          check(message !== null, `${what}: over-cap frame got no answer`);
          const answer = parseAnswer(new Uint8Array(message!), what);
          check(
            answer.status === refusal,
            `${what}: over-cap frame answered ${answer.status}, expected ${refusal}`,
          );
        }
        const end = await within(s.next(), `${what}: close`);
        check(end === null, `${what}: answered a frame it had to refuse`);
        const code = await s.closed;
        check(
          code === (refusal !== undefined ? 1009 : 1003),
          `${what}: closed with ${code}`,
        );
        run.report.closedByServer++;
        socket = undefined;
        return;
      }
      const message = await within(s.next(), what);
      check(message !== null, `${what}: socket closed instead of an answer`);
      const answer = parseAnswer(new Uint8Array(message!), what);
      check(answer.status !== ErrorCode.Error, `${what}: internal error (1)`);
      if (closesAfter(answer.status)) {
        await drop();
        return;
      }
      authenticated = authAfter(c.code, answer.status, authenticated);
      const ping = await request(
        s,
        CommandCode.Ping,
        new Uint8Array(0),
        `${what} ping`,
      );
      check(ping.status === 0, `${what}: Ping answered ${ping.status}`);
    },
    close: drop,
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function httpLogin(base: string, own: Protected): Promise<string> {
  const res = await fetch(`${base}/personal-access-tokens/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: own.token }),
  });
  const body = await res.json();
  if (res.status !== 200) {
    throw new FuzzFailure(`HTTP login answered ${res.status}`);
  }
  return body.access_token.token as string;
}

async function runHttp(
  run: Run,
  options: FuzzOptions,
  indexes: number[],
): Promise<void> {
  const base = `http://127.0.0.1:${run.server.http!.port}`;
  let token = await httpLogin(base, run.own);
  for (const i of indexes) {
    const what = `seed ${options.seed}, http case ${i}`;
    const random = prng(caseSeed(options.seed, 4, i));
    const c = httpCase(random, options.routes, run.own);
    const headers: Record<string, string> = { ...c.headers };
    if (c.authenticated) headers.authorization = `Bearer ${token}`;
    const described = `${what} (${c.method} ${c.path}, ${c.description})`;
    let status: number;
    try {
      const res = await within(
        fetch(`${base}${c.path}`, { method: c.method, headers, body: c.body }),
        described,
      );
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      if (err instanceof FuzzFailure) throw err;
      throw new FuzzFailure(`${described}: request failed: ${err}`);
    }
    check(status !== 500, `${described}: answered 500`);
    if (c.tooLarge) {
      check(
        status === 413,
        `${described}: an over-limit body answered ${status}`,
      );
    }
    if (c.method === "DELETE" && c.path === "/users/logout" && status === 204) {
      token = await httpLogin(base, run.own);
    }
    await afterCase(run, described);
    run.report.cases.http++;
    run.report.routesCovered.add(`${c.route.method} ${c.route.path}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function setUp(server: TestServer): Promise<Protected> {
  const client = await RawClient.connect(server.tcp.port);
  try {
    const expectOk = async (code: number, payload: Uint8Array) => {
      const answer = await client.request(code, payload);
      if (answer.status !== 0) {
        throw new Error(
          `fuzz set-up: command ${code} answered ${answer.status}`,
        );
      }
      return answer.payload;
    };
    await expectOk(CommandCode.LoginUser, encodeLoginUser(ROOT));
    await expectOk(
      CommandCode.CreateStream,
      encodeCreateStream({ name: "fuzz" }),
    );
    await expectOk(
      CommandCode.CreateTopic,
      encodeCreateTopic({
        streamId: "fuzz",
        partitionsCount: 2,
        compressionAlgorithm: 1,
        messageExpiry: 0n,
        maxTopicSize: 0n,
        replicationFactor: 1,
        name: "t",
      }),
    );
    await expectOk(
      CommandCode.CreateConsumerGroup,
      encodeCreateConsumerGroup({ streamId: "fuzz", topicId: "t", name: "g" }),
    );
    await expectOk(
      CommandCode.CreateUser,
      encodeCreateUser({ username: "fuzzer", password: "secret1", status: 1 }),
    );
    const tokenName = "fuzz-login";
    const raw = decodeRawPersonalAccessToken(
      await expectOk(
        CommandCode.CreatePersonalAccessToken,
        encodeCreatePersonalAccessToken({ name: tokenName, expiry: 0n }),
      ),
    );
    return { token: raw.token, tokenName };
  } finally {
    client.close();
  }
}

/**
 * Runs the fuzz cases against `fuzz.server`, transport after transport; throws a message naming
 * the seed, transport and case on the first failure.
 */
export async function runFuzz(
  fuzz: FuzzServer,
  options: FuzzOptions,
): Promise<FuzzReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const { server } = fuzz;
  const seeds = seedPayloads();
  const run: Run = {
    server,
    cert: fuzz.cert,
    own: await setUp(server),
    seeds,
    report: {
      cases: { tcp: 0, quic: 0, websocket: 0, http: 0 },
      routesCovered: new Set(),
      closedByServer: 0,
      rss: { before: 0, max: 0 },
      ms: 0,
    },
    logOffset: server.stderr().length,
    rssLimit: options.rssLimit,
  };
  run.report.rss.before = await rssOf(server.pid!);
  run.report.rss.max = run.report.rss.before;
  const drivers: Record<
    Exclude<Transport, "http">,
    (r: Run) => BinaryDriver
  > = {
    tcp: tcpDriver,
    quic: quicDriver,
    websocket: websocketDriver,
  };
  const salts = { tcp: 1, quic: 2, websocket: 3 } as const;
  for (const transport of TRANSPORTS) {
    const count = options.cases[transport];
    const indexes = options.only !== undefined
      ? (options.only < count ? [options.only] : [])
      : Array.from({ length: count }, (_, i) => i);
    if (indexes.length === 0) continue;
    const began = performance.now();
    if (transport === "http") {
      await runHttp(run, options, indexes);
    } else {
      const driver = drivers[transport](run);
      try {
        for (const i of indexes) {
          const random = prng(caseSeed(options.seed, salts[transport], i));
          const c = generateCase(random, seeds);
          const what =
            `seed ${options.seed}, ${transport} case ${i} (${c.kind}, code ${c.code}, length ${c.length}, body ${
              preview(c.body)
            })`;
          try {
            await driver.run(c, random, what);
          } catch (err) {
            if (err instanceof FuzzFailure) throw err;
            throw new FuzzFailure(`${what}: ${(err as Error)?.stack ?? err}`);
          }
          await afterCase(run, what);
          run.report.cases[transport]++;
        }
      } finally {
        await driver.close();
      }
    }
    log(
      `${transport}: ${indexes.length} cases in ${
        Math.round(performance.now() - began)
      } ms`,
    );
  }
  run.report.ms = Math.round(performance.now() - started);
  return run.report;
}

/** Every route of the HTTP API (method and path pattern), read from the app itself. */
export async function listHttpRoutes(): Promise<HttpRoute[]> {
  await using api = await openApi();
  const routes = new Map<string, HttpRoute>();
  for (const route of api.api.app.routes) {
    if (route.method === "ALL") continue;
    routes.set(`${route.method} ${route.path}`, {
      method: route.method,
      path: route.path,
    });
  }
  return [...routes.values()];
}
