/**
 * Test helpers for the storage fault layer (`server/storage/fault.ts`): a control file to arm
 * faults in a server child process, a dump of everything the Get* commands show, and a login.
 */
import { join } from "node:path";
import { IggyClient } from "../../../client/client.ts";
import type { TestServer } from "../../_server.ts";
import type { Consumer } from "../../../client/protocol/mod.ts";
import type { FaultSpec } from "../../../server/storage/fault.ts";

/** One injected failure, as the server reported it. */
export interface Fired {
  op: string;
  path: string;
  errno: string;
}

/** The control file of one server: arm, disarm, and read which faults struck. */
export class FaultControl {
  /** Pass as `IGGY_TEST_FAULTS` to the server. */
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, "faults.json");
  }

  /** Arms `spec` (the count starts at the server's next file operation). */
  async arm(spec: FaultSpec): Promise<void> {
    await Deno.remove(`${this.path}.fired`).catch(() => {});
    await this.#write(JSON.stringify(spec));
  }

  /** Disarms. */
  disarm(): Promise<void> {
    return this.#write("");
  }

  /** The faults that struck since the last {@linkcode FaultControl.arm}. */
  async fired(): Promise<Fired[]> {
    let text = "";
    try {
      text = await Deno.readTextFile(`${this.path}.fired`);
    } catch {
      return [];
    }
    return text.trim().split("\n").filter((l) => l).map((l) => JSON.parse(l));
  }

  /**
   * Runs `call` with `spec` armed, then disarms.
   * @returns the Iggy code `call` failed with (0 = it succeeded) and the faults that struck
   */
  async during(
    spec: FaultSpec,
    call: () => Promise<unknown>,
  ): Promise<{ code: number; fired: Fired[] }> {
    await this.arm(spec);
    let code = 0;
    try {
      await call();
    } catch (err) {
      code = (err as { code?: number }).code ?? -1;
    }
    await this.disarm();
    return { code, fired: await this.fired() };
  }

  async #write(text: string): Promise<void> {
    // Atomic, so the server never reads half a spec.
    await Deno.writeTextFile(`${this.path}.tmp`, text);
    await Deno.rename(`${this.path}.tmp`, this.path);
  }
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  }));
}

/**
 * Everything the Get* commands show, in a stable order: streams with topics, partitions and
 * groups, stored offsets of consumer 1 and of every group, users with permissions, and the
 * caller's tokens.
 */
export async function dumpState(client: IggyClient): Promise<unknown> {
  const streams = [];
  for (const s of await client.getStreams()) {
    const topics = [];
    for (const t of (await client.getStream(s.id))!.topics) {
      const topic = (await client.getTopic(s.id, t.id))!;
      const groups = await client.getConsumerGroups(s.id, t.id);
      const offsets = [];
      for (const p of topic.partitions) {
        const consumers: Consumer[] = [{ kind: "consumer", id: 1 }];
        for (const g of groups) consumers.push({ kind: "group", id: g.id });
        for (const consumer of consumers) {
          offsets.push(
            await client.getConsumerOffset({
              streamId: s.id,
              topicId: t.id,
              partitionId: p.id,
              consumer,
            }),
          );
        }
      }
      topics.push({ topic, groups, offsets });
    }
    streams.push({ stream: s, topics });
  }
  const users = [];
  for (const u of await client.getUsers()) {
    users.push(await client.getUser(u.id));
  }
  const tokens = await client.getPersonalAccessTokens();
  return plain({ streams, users, tokens });
}

/** A TCP client logged in to `server` (as root by default). */
export function connect(
  server: TestServer,
  username = "iggy",
  password = "iggy",
): Promise<IggyClient> {
  return IggyClient.connect({ ...server.tcp, username, password });
}
