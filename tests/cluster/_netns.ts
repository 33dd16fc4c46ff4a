/**
 * Test harness: a small network of Linux network namespaces (iproute2's `ip`, root only) so that
 * cluster nodes can be cut off from each other, from etcd or from both while they keep running.
 *
 * Each node runs in its own namespace with three links, each a veth to a bridge in the root
 * namespace (where the test and etcd run):
 *
 * | Link      | Subnet          | Carries                                                     |
 * | --------- | --------------- | ----------------------------------------------------------- |
 * | `peers`   | `10.231.S.0/24` | the node channel (`cluster.node.current.ip`), node to node  |
 * | `etcd`    | `10.232.S.0/24` | etcd (listening on `10.232.S.1` in the root namespace)      |
 * | `clients` | `10.233.S.0/24` | the node's TCP listener, reached by the test's clients      |
 *
 * The `etcd` and `clients` bridges isolate their ports (a node reaches the root namespace there,
 * never another node), and a node has no route but its three subnets, so each kind of traffic
 * has exactly one path. Cutting a link sets its root-side end down: every packet on it is
 * dropped, both ways, while both ends keep their sockets (a peer sees silence, not a reset).
 * `S` is picked among the subnets not in use and names carry the test process's pid, so parallel
 * runs do not clash; leftovers of a run that died are removed by the next one.
 * @module
 */

import { runCommand } from "../_run.ts";

const IP = "/usr/sbin/ip";
const BRIDGE = "/usr/sbin/bridge";
/** Every name starts so; the pid (base 36) follows, so a later run can tell leftovers. */
const PREFIX = "igp-";

/** One of a node's links (see the module doc). */
export type Link = "peers" | "etcd" | "clients";

const LINKS: Record<Link, { suffix: string; net: number }> = {
  peers: { suffix: "P", net: 231 },
  etcd: { suffix: "E", net: 232 },
  clients: { suffix: "C", net: 233 },
};

/** Runs `ip` (or `bridge`) with `args`; throws with its stderr when it fails. */
async function run(args: string[], program = IP): Promise<string> {
  const { code, stdout, stderr } = await runCommand([program, ...args]);
  if (code !== 0) {
    throw new Error(`${program} ${args.join(" ")}: ${stderr.trim()}`);
  }
  return stdout;
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Removes namespaces and links left by runs whose process is gone. */
async function removeLeftovers(): Promise<void> {
  const stale = (name: string) => {
    if (!name.startsWith(PREFIX)) return false;
    const pid = parseInt(name.slice(PREFIX.length).split("-")[0]!, 36);
    return Number.isFinite(pid) && pid !== Deno.pid && !alive(pid);
  };
  for (const line of (await run(["netns", "list"])).split("\n")) {
    const name = line.split(" ")[0]!;
    if (stale(name)) await run(["netns", "del", name]).catch(() => {});
  }
  for (const line of (await run(["-o", "link", "show"])).split("\n")) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name && stale(name)) {
      await run(["link", "del", name]).catch(() => {});
    }
  }
}

/** A subnet number `S` whose three /24s are not in use here. */
async function freeSubnet(): Promise<number> {
  const used = await run(["-4", "-o", "addr", "show"]);
  for (let attempt = 0; attempt < 100; attempt++) {
    const s = 1 + Math.floor(Math.random() * 254);
    const taken = Object.values(LINKS).some(({ net }) =>
      used.includes(`10.${net}.${s}.`)
    );
    if (!taken) return s;
  }
  throw new Error("no free 10.231-233.x.0/24 subnet");
}

/**
 * Why network namespaces cannot be used here (not root, no `ip`, `ip netns` refused), or
 * `undefined` when they can.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "not Linux";
  if (Deno.uid() !== 0) return "not root (network namespaces need root)";
  const probe = `${PREFIX}${Deno.pid.toString(36)}-probe`;
  try {
    await run(["netns", "add", probe]);
    await run(["netns", "del", probe]);
    return undefined;
  } catch (err) {
    return `ip netns does not work here: ${(err as Error).message}`;
  }
}

/** One node's namespace and addresses. */
export interface NodeNet {
  /** The namespace's name. */
  ns: string;
  /** Address on the peers link (`cluster.node.current.ip`). */
  peerIp: string;
  /** Address on the clients link (the node's TCP listener). */
  clientIp: string;
  /** The command prefix that runs a program in the namespace (`TestServer`'s wrapper). */
  wrapper: string[];
}

/** The namespaces and bridges of one test (see the module doc); dispose it to remove them. */
export class NetLab {
  /** The prefix of every name this lab created. */
  readonly id: string;
  /** etcd's address in the root namespace, reachable from every node over its `etcd` link. */
  readonly etcdHost: string;
  /** The nodes' namespaces, in the order of the names given to {@linkcode NetLab.create}. */
  readonly nodes: NodeNet[] = [];
  readonly #subnet: number;
  #created: { netns: string[]; links: string[] } = { netns: [], links: [] };

  private constructor(id: string, subnet: number) {
    this.id = id;
    this.#subnet = subnet;
    this.etcdHost = `10.${LINKS.etcd.net}.${subnet}.1`;
  }

  /** Creates the bridges and one namespace per node (`count` of them). */
  static async create(count: number): Promise<NetLab> {
    await removeLeftovers();
    const suffix = Math.floor(Math.random() * 36 ** 2).toString(36);
    const lab = new NetLab(
      `${PREFIX}${Deno.pid.toString(36)}-${suffix}`,
      await freeSubnet(),
    );
    try {
      await lab.#build(count);
    } catch (err) {
      await lab[Symbol.asyncDispose]();
      throw err;
    }
    return lab;
  }

  async #build(count: number): Promise<void> {
    const s = this.#subnet;
    for (const [link, { suffix, net }] of Object.entries(LINKS)) {
      const bridge = `${this.id}${suffix}`;
      await run(["link", "add", bridge, "type", "bridge"]);
      this.#created.links.push(bridge);
      await run(["link", "set", bridge, "up"]);
      if (link !== "peers") {
        await run(["addr", "add", `10.${net}.${s}.1/24`, "dev", bridge]);
      }
    }
    for (let i = 1; i <= count; i++) {
      const ns = `${this.id}-n${i}`;
      await run(["netns", "add", ns]);
      this.#created.netns.push(ns);
      await run(["-n", ns, "link", "set", "lo", "up"]);
      for (const [link, { suffix, net }] of Object.entries(LINKS)) {
        const outer = this.#outer(i, link as Link);
        const inner = link;
        await run([
          "link",
          "add",
          outer,
          "type",
          "veth",
          "peer",
          "name",
          inner,
          "netns",
          ns,
        ]);
        this.#created.links.push(outer);
        await run(["link", "set", outer, "master", `${this.id}${suffix}`]);
        if (link !== "peers") {
          // Nodes reach the root namespace here, never each other.
          await run(["link", "set", "dev", outer, "isolated", "on"], BRIDGE);
        }
        await run(["link", "set", outer, "up"]);
        await run([
          "-n",
          ns,
          "addr",
          "add",
          `10.${net}.${s}.${10 + i}/24`,
          "dev",
          inner,
        ]);
        await run(["-n", ns, "link", "set", inner, "up"]);
      }
      this.nodes.push({
        ns,
        peerIp: `10.${LINKS.peers.net}.${s}.${10 + i}`,
        clientIp: `10.${LINKS.clients.net}.${s}.${10 + i}`,
        wrapper: [IP, "netns", "exec", ns],
      });
    }
  }

  /** The root-namespace end of node `i`'s (1-based) `link`. */
  #outer(i: number, link: Link): string {
    return `${this.id}${i}${LINKS[link].suffix}`;
  }

  /** Drops every packet on node `index`'s (0-based) `links`, both ways. */
  async cut(index: number, links: Link[]): Promise<void> {
    for (const link of links) {
      await run(["link", "set", this.#outer(index + 1, link), "down"]);
    }
  }

  /** Lets node `index`'s `links` carry packets again. */
  async heal(index: number, links: Link[]): Promise<void> {
    for (const link of links) {
      await run(["link", "set", this.#outer(index + 1, link), "up"]);
    }
  }

  /** Removes the namespaces (and with them the veths) and the bridges. */
  async [Symbol.asyncDispose](): Promise<void> {
    const { netns, links } = this.#created;
    this.#created = { netns: [], links: [] };
    for (const ns of netns) await run(["netns", "del", ns]).catch(() => {});
    for (const link of links) await run(["link", "del", link]).catch(() => {});
  }
}
