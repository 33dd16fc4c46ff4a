import assert from "node:assert/strict";
import { EtcdClient, EtcdError } from "../../server/cluster/etcd.ts";
import { ETCD_BIN, startEtcd } from "./_etcd.ts";

const ignore = ETCD_BIN === undefined;

Deno.test({
  name: "EtcdClient puts, reads prefixes, runs transactions and watches",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const client = new EtcdClient([etcd.endpoint]);
    await client.put("/t/a", "1");
    await client.put("/t/b", "2");
    await client.put("/u/a", "3");
    const { kvs } = await client.range("/t/", true);
    assert.deepEqual(kvs.map((kv) => [kv.key, kv.value]), [
      ["/t/a", "1"],
      ["/t/b", "2"],
    ]);
    const created = await client.txn(
      [{ key: "/t/c", createRevision: 0 }],
      [{ put: { key: "/t/c", value: "x" } }],
      [{ range: { key: "/t/c" } }],
    );
    assert.equal(created.succeeded, true);
    const again = await client.txn(
      [{ key: "/t/c", createRevision: 0 }],
      [{ put: { key: "/t/c", value: "y" } }],
      [{ range: { key: "/t/c" } }],
    );
    assert.equal(again.succeeded, false);
    assert.equal(again.ranges[0]![0]!.value, "x");

    const seen: string[] = [];
    const controller = new AbortController();
    const watching = client.watch("/t/", created.revision + 1, (events) => {
      for (const e of events) seen.push(`${e.type} ${e.kv.key}=${e.kv.value}`);
    }, controller.signal);
    await client.put("/t/d", "4");
    await client.put("/u/x", "ignored");
    await client.delete("/t/a");
    const deadline = Date.now() + 10_000;
    while (seen.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    controller.abort();
    await watching;
    assert.deepEqual(seen, ["PUT /t/d=4", "DELETE /t/a="]);
  },
});

Deno.test({
  name:
    "EtcdClient leases expire their keys; keepAlive reports 0 for a gone lease",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const client = new EtcdClient([etcd.endpoint]);
    const lease = await client.grantLease(5);
    await client.put("/l/k", "v", lease);
    assert.ok(await client.keepAlive(lease) > 0);
    await client.revokeLease(lease);
    assert.equal(await client.get("/l/k"), undefined);
    assert.equal(await client.keepAlive(lease), 0);
  },
});

Deno.test({
  name:
    "EtcdClient fails with EtcdError when etcd is unreachable, and uses the next endpoint",
  ignore,
  async fn() {
    await using etcd = await startEtcd();
    const dead = new EtcdClient(["http://127.0.0.1:1"], { timeoutMs: 1000 });
    await assert.rejects(dead.get("/x"), EtcdError);
    const second = new EtcdClient(["http://127.0.0.1:1", etcd.endpoint]);
    await second.put("/x", "1");
    assert.equal((await second.get("/x"))?.value, "1");
  },
});
