/**
 * Network partitions of a replicated partition (issue 17): three nodes, each in its own network
 * namespace (`_netns.ts`: separate links to its peers, to etcd and to the test's clients), a topic
 * with replication factor 3 and quorum acks. A link is cut (its veth set down: the node keeps
 * running, its packets are dropped both ways) and healed:
 *
 * 1. the leader cut off from etcd and both peers, its clients link kept: it acknowledges nothing
 *    more, a new leader takes the writes, and once healed the old one truncates what nobody
 *    acknowledged and converges;
 * 2. a follower cut off from etcd and both peers: writes go on, it leaves the in-sync set, and
 *    rejoins after the heal;
 * 3. the leader cut off from its peers only (its lease in etcd holds): sends fail with a clear
 *    code, no hang; it stays the leader until the link heals.
 *
 * Skipped (with a line saying why) unless the test runs as root with a working `ip netns` and etcd
 * installed.
 * @module
 */
import assert from "node:assert/strict";
import type { IggyClient } from "../../mod.ts";
import { EtcdClient } from "../../server/cluster/etcd.ts";
import type { PartitionAssignment } from "../../server/cluster/placement.ts";
import { startServer, type TestServer } from "../_server.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";
import { eventually, login, nodeEnv } from "./_cluster.ts";
import { type Link, NetLab, netnsUnavailable } from "./_netns.ts";
import {
  createReplicatedTopic,
  identicalCopies,
  partitionAssignment,
  readAll,
  sendOne,
} from "./_replicated.ts";

const CLUSTER = "partitioned";
const NAMES = ["n1", "n2", "n3"];
/** `nodeEnv`'s `cluster.lease_ttl`. */
const LEASE_TTL_MS = 2000;
const ACK_TIMEOUT_MS = 3000;
const SHARD_COMMUNICATION_ERROR = 11001;
const ALL_LINKS: Link[] = ["peers", "etcd", "clients"];

const skipReason = ETCD_BIN === undefined
  ? "etcd is not installed"
  : await netnsUnavailable();
if (skipReason !== undefined) {
  console.warn(`tests/cluster/partition_test.ts skipped: ${skipReason}`);
}
const ignore = skipReason !== undefined;

/** What a test gets: etcd (from the root namespace), the nodes, their network. */
interface PartitionLab {
  etcd: EtcdClient;
  nodes: TestServer[];
  net: NetLab;
  /** A new root client of node `name`, over its clients link (closed after the test). */
  connectTo(name: string): Promise<IggyClient>;
  /** The assignment of the replicated topic's partition, as created. */
  before: PartitionAssignment;
}

/**
 * Runs `fn` on a fresh network, etcd and three replicating nodes n1, n2, n3 (each in its own
 * namespace) with the replicated topic created, then heals every link and removes it all.
 */
async function withPartitionLab(
  fn: (lab: PartitionLab) => Promise<void>,
): Promise<void> {
  await using net = await NetLab.create(NAMES.length);
  await using etcdServer = await startEtcd([net.etcdHost]);
  const etcdUrl = etcdServer.endpoint.replace("127.0.0.1", net.etcdHost);
  const nodes: TestServer[] = [];
  const clients: IggyClient[] = [];
  try {
    for (const [i, name] of NAMES.entries()) {
      const { peerIp, clientIp, wrapper } = net.nodes[i]!;
      nodes.push(
        await startServer({
          wrapper,
          env: {
            ...nodeEnv(etcdUrl, CLUSTER, name),
            IGGY_CLUSTER_NODE_CURRENT_IP: peerIp,
            IGGY_TCP_ADDRESS: `${clientIp}:0`,
            IGGY_CLUSTER_REPLICATION_ENABLED: "true",
            IGGY_CLUSTER_REPLICATION_ACK_TIMEOUT: `${ACK_TIMEOUT_MS}ms`,
            IGGY_CLUSTER_REPLICATION_MAX_LAG: "3s",
            // Small segments: truncation and catch-up cross segment boundaries.
            IGGY_SYSTEM_SEGMENT_SIZE: "8 KiB",
            IGGY_HTTP_ENABLED: "false",
            IGGY_WEBSOCKET_ENABLED: "false",
          },
        }),
      );
    }
    const etcd = new EtcdClient([etcdServer.endpoint]);
    const connectTo = async (name: string) => {
      const client = await login(nodes[NAMES.indexOf(name)]!);
      clients.push(client);
      return client;
    };
    await createReplicatedTopic(await connectTo("n1"));
    await fn({ etcd, nodes, net, connectTo, before: await assignment(etcd) });
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    // A failed test may leave a link cut: a node stops faster when it reaches etcd.
    for (let i = 0; i < NAMES.length; i++) {
      await net.heal(i, ALL_LINKS).catch(() => {});
    }
    for (const node of nodes) await node[Symbol.asyncDispose]();
  }
}

function assignment(etcd: EtcdClient): Promise<PartitionAssignment> {
  return partitionAssignment(etcd, CLUSTER);
}

/** Waits until the three replicas are in the in-sync set again. */
async function allInSync(etcd: EtcdClient, what: string): Promise<void> {
  await eventually(
    what,
    async () => (await assignment(etcd)).inSync.length === 3 ? true : undefined,
    30_000,
  );
}

/**
 * Waits until the three `.log` copies are byte-identical (at least `segments` segments), then
 * reads every stored message through `client`.
 */
async function convergedMessages(
  nodes: TestServer[],
  client: IggyClient,
  segments = 1,
): Promise<{ offset: bigint; payload: string }[]> {
  await eventually(
    "identical copies on the three nodes",
    () => identicalCopies(nodes, segments),
    30_000,
  );
  return await readAll(client);
}

/** One send of a {@linkcode Producers} loop. */
interface SendResult {
  loop: number;
  payload: string;
  started: number;
  ended: number;
  /** The error code of a refused send (0: another error); `undefined` when acknowledged. */
  code?: number;
}

/**
 * Loops that each send numbered one-message batches (`<tag>-<loop>-<n>`) through their own client,
 * one at a time, until stopped, recording every outcome. A refused send is followed by the next
 * one (a new payload) after a short back-off.
 */
class Producers {
  readonly results: SendResult[] = [];
  #stopped = false;
  readonly #loops: Promise<void>[];

  constructor(tag: string, clients: IggyClient[]) {
    this.#loops = clients.map(async (client, loop) => {
      for (let n = 0; !this.#stopped; n++) {
        const payload = `${tag}-${loop}-${n}`;
        const started = Date.now();
        try {
          await sendOne(client, payload);
          this.results.push({ loop, payload, started, ended: Date.now() });
        } catch (err) {
          const code = (err as { code?: number }).code ?? 0;
          this.results.push({
            loop,
            payload,
            started,
            ended: Date.now(),
            code,
          });
          // A closed client ends the loop; a refused send is retried with the next payload.
          if (code === 0 && (err as Error).name === "ConnectionError") return;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    });
  }

  /** Acknowledged sends, in the order their answers came. */
  acked(): SendResult[] {
    return this.results.filter((r) => r.code === undefined);
  }

  /** Refused sends. */
  refused(): SendResult[] {
    return this.results.filter((r) => r.code !== undefined);
  }

  /** Acknowledged sends started after `time`. */
  ackedAfter(time: number): SendResult[] {
    return this.acked().filter((r) => r.started > time);
  }

  /** Waits until `count` sends started after `time` are acknowledged. */
  async waitAcked(count: number, time = 0, what = `${count} acks`) {
    await eventually(
      what,
      () =>
        Promise.resolve(
          this.ackedAfter(time).length >= count ? true : undefined,
        ),
      30_000,
    );
  }

  /** Stops the loops after their current send. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#loops);
  }
}

/**
 * How `operation` ended: "ok", its error code (0 when it has none), or "no answer" when it did not
 * settle within `ms` (a hang: the test fails instead of hanging with it).
 */
async function outcome(
  operation: Promise<unknown>,
  ms = 20_000,
): Promise<{ result: "ok" | number | "no answer"; elapsed: number }> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    operation.then(
      () => "ok" as const,
      (err) => (err as { code?: number }).code ?? 0,
    ),
    new Promise<"no answer">((resolve) => {
      timer = setTimeout(() => resolve("no answer"), ms);
    }),
  ]);
  clearTimeout(timer);
  return { result, elapsed: Date.now() - started };
}

/**
 * Every acknowledged payload is stored exactly once, each loop's in the order it sent them, at
 * contiguous offsets from 0; `stored` is what a poll from offset 0 returned.
 */
function assertAckedStored(
  stored: { offset: bigint; payload: string }[],
  acked: SendResult[],
): void {
  stored.forEach((m, offset) => assert.equal(m.offset, BigInt(offset)));
  const positions = new Map<string, number[]>();
  stored.forEach((m, position) =>
    positions.set(m.payload, [...positions.get(m.payload) ?? [], position])
  );
  const lost = acked.filter((r) => !positions.has(r.payload));
  assert.deepEqual(lost.map((r) => r.payload), [], "acknowledged, then lost");
  const twice = acked.filter((r) => positions.get(r.payload)!.length > 1);
  assert.deepEqual(twice.map((r) => r.payload), [], "stored more than once");
  const loops = new Set(acked.map((r) => r.loop));
  for (const loop of loops) {
    const at = acked.filter((r) => r.loop === loop).map((r) =>
      positions.get(r.payload)![0]!
    );
    assert.deepEqual(at, [...at].sort((x, y) => x - y), `loop ${loop} order`);
  }
}

Deno.test({
  name:
    "network partition: a leader cut off from etcd and its peers acknowledges nothing more; a new leader takes the writes; healed, the old one truncates and converges",
  ignore,
  fn: () =>
    withPartitionLab(async ({ etcd, nodes, net, connectTo, before }) => {
      const leader = before.leader;
      const cutNode = NAMES.indexOf(leader);
      const [s1, s2] = NAMES.filter((n) => n !== leader);
      // Four producers on the two other nodes: their sends are forwarded to the leader of the day.
      const producers = new Producers("m", [
        await connectTo(s1!),
        await connectTo(s1!),
        await connectTo(s2!),
        await connectTo(s2!),
      ]);
      // The leader's own client: the clients link is not cut, so it still reaches the old leader.
      const oldLeaderClient = await connectTo(leader);
      await producers.waitAcked(30);

      const cutStart = Date.now();
      await net.cut(cutNode, ["peers", "etcd"]);
      const cutDone = Date.now();
      const probe = new Producers("probe", [oldLeaderClient]);

      const elected = await eventually("a new leader", async () => {
        const a = await assignment(etcd);
        return a.leaderEpoch > before.leaderEpoch ? a : undefined;
      }, 30_000);
      assert.notEqual(elected.leader, leader);
      await producers.waitAcked(1, cutDone, "writes on the new leader");
      const failover = producers.ackedAfter(cutDone)[0]!.ended - cutStart;
      assert.ok(
        failover < 30_000,
        `writes resumed ${failover} ms after the cut`,
      );
      await producers.waitAcked(40, cutDone, "40 sends on the new leader");
      // Fenced: once its lease may have expired the old leader refuses at once (before any
      // append), not only after the ack timeout.
      await eventually("the old leader refusing at once", () =>
        Promise.resolve(
          probe.refused().some((r) =>
              r.started > cutDone + LEASE_TTL_MS && r.ended - r.started < 1000
            )
            ? true
            : undefined,
        ), 30_000);
      await probe.stop();
      await producers.stop();
      // Nothing sent to the old leader after the cut was acknowledged, and it said so clearly.
      assert.deepEqual(probe.acked().map((r) => r.payload), []);
      assert.deepEqual(
        [...new Set(probe.refused().map((r) => r.code))],
        [SHARD_COMMUNICATION_ERROR],
      );

      // Polls on the cut-off leader show what a quorum held (checked below: a prefix of the final
      // log), nothing it took after the cut.
      const cutOffRead = await readAll(oldLeaderClient);
      assert.ok(cutOffRead.length > 0);

      await net.heal(cutNode, ["peers", "etcd"]);
      const healed = Date.now();
      await allInSync(etcd, "the old leader back in the in-sync set");
      const rejoined = Date.now() - healed;
      // Through the old leader, now a follower: forwarded to the new leader.
      const afterHeal = new Producers("after", [oldLeaderClient]);
      await afterHeal.waitAcked(5, 0, "sends through the old leader");
      await afterHeal.stop();
      const now = await assignment(etcd);
      assert.equal(now.leader, elected.leader, "the new leader stays");
      assert.equal(now.leaderEpoch, elected.leaderEpoch);

      const stored = await convergedMessages(
        nodes,
        await connectTo(elected.leader),
        2,
      );
      const acked = [...producers.acked(), ...afterHeal.acked()];
      assertAckedStored(stored, acked);
      assert.deepEqual(
        cutOffRead.map((m) => m.payload),
        stored.slice(0, cutOffRead.length).map((m) => m.payload),
      );
      // What the old leader appended after the cut was never acknowledged: cut from its log.
      const payloads = new Set(stored.map((m) => m.payload));
      assert.deepEqual(
        probe.results.filter((r) => payloads.has(r.payload)),
        [],
        "a send to the cut-off leader was kept",
      );
      const slow = probe.refused().filter((r) => r.ended - r.started >= 1000);
      console.log(
        `leader cut off: writes resumed ${failover} ms after the cut (lease TTL ${LEASE_TTL_MS} ms); ` +
          `${acked.length} acknowledged, ${producers.refused().length} refused, ` +
          `stored ${stored.length}; the old leader refused ${probe.results.length} sends ` +
          `(${slow.length} after the ack timeout, the rest at once); back in sync ${rejoined} ms after the heal`,
      );
    }),
});

Deno.test({
  name:
    "network partition: a follower cut off from etcd and its peers leaves the in-sync set while writes go on, and rejoins after the heal",
  ignore,
  fn: () =>
    withPartitionLab(async ({ etcd, nodes, net, connectTo, before }) => {
      const follower = NAMES.find((n) => n !== before.leader)!;
      const cutNode = NAMES.indexOf(follower);
      const producers = new Producers("m", [
        await connectTo(before.leader),
        await connectTo(before.leader),
      ]);
      await producers.waitAcked(10);
      await net.cut(cutNode, ["peers", "etcd"]);
      const cutDone = Date.now();
      await eventually(
        "the follower out of the in-sync set",
        async () =>
          (await assignment(etcd)).inSync.includes(follower) ? undefined : true,
        30_000,
      );
      const left = Date.now() - cutDone;
      const out = Date.now();
      await producers.waitAcked(10, out, "sends without the follower");
      await net.heal(cutNode, ["peers", "etcd"]);
      const healed = Date.now();
      await allInSync(etcd, "the follower back in the in-sync set");
      const rejoined = Date.now() - healed;
      await producers.waitAcked(10, Date.now(), "sends with all three again");
      await producers.stop();

      // The other follower and the leader are a quorum: no send waited for the cut-off one.
      assert.deepEqual(producers.refused().map((r) => r.code), []);
      const after = await assignment(etcd);
      assert.equal(after.leader, before.leader, "no election");
      assert.equal(after.leaderEpoch, before.leaderEpoch);
      const stored = await convergedMessages(
        nodes,
        await connectTo(before.leader),
        2,
      );
      assertAckedStored(stored, producers.acked());
      assert.equal(stored.length, producers.acked().length);
      console.log(
        `follower cut off: out of the in-sync set ${left} ms after the cut, back ${rejoined} ms after the heal; ` +
          `${stored.length} sends, all acknowledged`,
      );
    }),
});

Deno.test({
  name:
    "network partition: a leader cut off from its peers but not from etcd is replaced (its followers report it unreachable); it acknowledges nothing more; healed, it converges",
  ignore,
  fn: () =>
    withPartitionLab(async ({ etcd, nodes, net, connectTo, before }) => {
      const leader = before.leader;
      const onLeader = await connectTo(leader);
      for (let i = 0; i < 3; i++) await sendOne(onLeader, `before-${i}`);
      await net.cut(NAMES.indexOf(leader), ["peers"]);
      const cutAt = Date.now();

      // On the leader: appended, never replicated, refused (ack timeout, or deposed first).
      const direct = await outcome(sendOne(onLeader, "cut-direct"));
      assert.equal(direct.result, SHARD_COMMUNICATION_ERROR);
      assert.ok(direct.elapsed < ACK_TIMEOUT_MS + 5000, `${direct.elapsed} ms`);
      // Its lease holds, but its followers report in etcd that they cannot reach it: the
      // controller elects one of them (even if the controller is the node cut off).
      const elected = await eventually(
        "a follower elected in the cut-off leader's place",
        async () => {
          const a = await assignment(etcd);
          return a.leaderEpoch > before.leaderEpoch ? a : undefined;
        },
        30_000,
      );
      assert.notEqual(elected.leader, leader);
      assert.ok(!elected.inSync.includes(leader));
      const onNew = await connectTo(elected.leader);
      let sent = 0;
      await eventually("sends acknowledged by the new leader", async () => {
        await sendOne(onNew, `new-${sent}`);
        sent++;
        return true;
      }, 30_000);
      const failover = Date.now() - cutAt;
      for (let i = 0; i < 5; i++) await sendOne(onNew, `new-${sent++}`);
      // The old leader still holds its lease, and acknowledges nothing.
      const stale = await outcome(sendOne(onLeader, "to-the-deposed"));
      assert.equal(stale.result, SHARD_COMMUNICATION_ERROR);

      await net.heal(NAMES.indexOf(leader), ["peers"]);
      await allInSync(etcd, "all three in sync again");
      const stored = (await convergedMessages(nodes, onNew)).map((m) =>
        m.payload
      );
      assert.deepEqual(stored.slice(0, 3), [
        "before-0",
        "before-1",
        "before-2",
      ]);
      for (let i = 0; i < sent; i++) {
        assert.ok(
          stored.includes(`new-${i}`),
          `new-${i} acknowledged and kept`,
        );
      }
      assert.ok(!stored.includes("to-the-deposed"), "never acknowledged");
      assert.ok(
        !stored.includes("cut-direct"),
        "cut by the old leader's truncation",
      );
      console.log(
        `leader cut off from its peers only: refused on it after ${direct.elapsed} ms; ` +
          `${elected.leader} elected (epoch ${elected.leaderEpoch}); writes resumed ${failover} ms after the cut; ` +
          `stored ${stored.length} messages`,
      );
    }),
});
