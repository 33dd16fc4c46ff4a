/**
 * The client suite every transport runs: one server per test file, one `t.step` per behaviour,
 * distinct stream names per step. `tcp_test.ts` (and later QUIC/HTTP/WebSocket) call
 * {@linkcode clientSuite} with a function that connects a logged-in root client.
 * @module
 */

import assert from "node:assert/strict";
import {
  Consumer,
  ErrorCode,
  header,
  headerToValue,
  type IggyClient,
  IggyError,
  isAlreadyExists,
  isNotFound,
  type Message,
  noPermissions,
  Partitioning,
  PollingStrategy,
  rootPermissions,
  UserStatus,
} from "../../mod.ts";
import {
  startServer,
  type StartServerOptions,
  type TestServer,
} from "../_server.ts";
import { initHashing, xxh3 } from "../../server/storage/stamp.ts";

await initHashing();

/** XXH3-64 of the received frame's bytes [8, end), recomputed from the bytes the payload is a view of. */
function checksumOf(message: Message): bigint {
  const { buffer, byteOffset, byteLength } = message.payload;
  const frameStart = byteOffset - 64;
  const headersLength = new DataView(buffer, frameStart + 48, 4).getUint32(
    0,
    true,
  );
  return xxh3(
    new Uint8Array(buffer, frameStart + 8, 56 + byteLength + headersLength),
  );
}

/** Connects a client to `server`, logged in as the root user (`iggy`/`iggy`). */
export type Connect = (server: TestServer) => Promise<IggyClient>;

/** How to start the server, and what the transport cannot do by nature. */
export interface ClientSuiteOptions extends StartServerOptions {
  /**
   * The transport has no server-side session (HTTP: every request stands alone, http.md §5 and
   * §6.8). Joining or leaving a consumer group, polling as a group and `getMe()` then reject with
   * 5 `FeatureUnavailable`, and the client never appears in `getClients()`; the steps that need a
   * session check that instead of membership and client listing.
   * @default {false}
   */
  sessionless?: boolean;
  /** Starts the server the suite talks to (a cluster node, say). @default {startServer(options)} */
  start?: () => Promise<TestServer>;
}

const decoder = new TextDecoder();
const MESSAGE_COUNT = 10_000;

/** Asserts that `promise` rejects with an {@linkcode IggyError} of `code`. */
async function rejectsWithCode(
  promise: Promise<unknown>,
  code: number,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof IggyError, `expected IggyError, got ${err}`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code}`);
    return true;
  });
}

/** Polls a whole partition from offset 0 in pages. */
async function pollAll(
  client: IggyClient,
  streamId: string,
  topicId: string,
  partitionId: number,
): Promise<Message[]> {
  const out: Message[] = [];
  while (true) {
    const polled = await client.pollMessages({
      streamId,
      topicId,
      partitionId,
      strategy: PollingStrategy.offset(BigInt(out.length)),
      count: 1000,
      autoCommit: false,
    });
    assert.equal(polled.partitionId, partitionId);
    if (polled.messages.length === 0) return out;
    out.push(...polled.messages);
  }
}

/**
 * Registers one `Deno.test` named `name` whose steps exercise the whole client API against one
 * server.
 *
 * @param name The transport's name, e.g. `"tcp"`.
 * @param connect Connects a logged-in root client to the server.
 * @param options How to start the server (e.g. `env` turning TLS on; the harness defaults when
 * absent) and whether the transport is sessionless.
 */
export function clientSuite(
  name: string,
  connect: Connect,
  options: ClientSuiteOptions = {},
): void {
  const { sessionless = false, start, ...serverOptions } = options;
  Deno.test(`IggyClient over ${name}`, async (t) => {
    await using server = await (start?.() ?? startServer(serverOptions));
    await using client = await connect(server);

    await t.step("ping() answers", async () => {
      await client.ping();
    });

    await t.step("requests issued concurrently are all answered", async () => {
      const streams = await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) => i % 2 === 0 ? client.ping() : client.getStreams(),
        ),
      );
      assert.equal(streams.length, 200);
    });

    await t.step("login() with a wrong password fails with 42", async () => {
      await using other = await connect(server);
      await other.logout();
      await rejectsWithCode(
        other.login("iggy", "wrong-password"),
        ErrorCode.InvalidCredentials,
      );
      await rejectsWithCode(other.getStreams(), ErrorCode.Unauthenticated);
      const identity = await other.login("iggy", "iggy");
      assert.equal(identity.userId, 0);
      await other.getStreams();
    });

    await t.step(
      "streams: create, get, list, update, purge, delete",
      async () => {
        const stream = await client.createStream("crud-stream");
        assert.equal(stream.name, "crud-stream");
        assert.equal(stream.topicsCount, 0);
        await assert.rejects(client.createStream("crud-stream"), (err) => {
          assert.ok(err instanceof IggyError);
          assert.equal(err.code, ErrorCode.StreamNameAlreadyExists);
          assert.equal(err.code, 1012);
          assert.ok(isAlreadyExists(err));
          return true;
        });

        const byId = await client.getStream(stream.id);
        const byName = await client.getStream("crud-stream");
        assert.equal(byId?.id, stream.id);
        assert.deepEqual(byName, byId);
        assert.deepEqual(byId?.topics, []);
        assert.ok(
          (await client.getStreams()).some((s) =>
            s.id === stream.id && s.name === "crud-stream"
          ),
        );

        assert.equal(await client.getStream("no-such-stream"), undefined);
        assert.equal(await client.getStream(999_999), undefined);

        await client.updateStream(stream.id, "crud-stream-renamed");
        assert.equal(await client.getStream("crud-stream"), undefined);
        assert.equal(
          (await client.getStream("crud-stream-renamed"))?.id,
          stream.id,
        );

        await client.purgeStream(stream.id);
        await client.deleteStream("crud-stream-renamed");
        assert.equal(await client.getStream(stream.id), undefined);
        await assert.rejects(client.deleteStream(stream.id), (err) => {
          assert.ok(isNotFound(err));
          assert.equal((err as IggyError).code, ErrorCode.StreamIdNotFound);
          return true;
        });
      },
    );

    await t.step(
      "topics: create with 3 partitions, get, list, update, partitions, delete",
      async () => {
        await client.createStream("topic-stream");
        const topic = await client.createTopic("topic-stream", "orders", {
          partitionsCount: 3,
        });
        assert.equal(topic.name, "orders");
        assert.equal(topic.partitionsCount, 3);
        assert.deepEqual(topic.partitions.map((p) => p.id), [0, 1, 2]);
        await rejectsWithCode(
          client.createTopic("topic-stream", "orders"),
          ErrorCode.TopicNameAlreadyExists,
        );
        await rejectsWithCode(
          client.createTopic("no-such-stream", "orders"),
          ErrorCode.StreamIdNotFound,
        );

        const fetched = await client.getTopic("topic-stream", topic.id);
        assert.equal(fetched?.name, "orders");
        assert.equal(fetched?.partitions.length, 3);
        assert.equal(await client.getTopic("topic-stream", "nope"), undefined);
        assert.equal(await client.getTopic("nope", "orders"), undefined);
        assert.deepEqual(
          (await client.getTopics("topic-stream")).map((t) => t.name),
          ["orders"],
        );
        assert.equal((await client.getStream("topic-stream"))?.topicsCount, 1);

        await client.updateTopic({
          streamId: "topic-stream",
          topicId: "orders",
          name: "orders-v2",
        });
        const renamed = await client.getTopic("topic-stream", "orders-v2");
        assert.equal(renamed?.id, topic.id);
        assert.equal(renamed?.messageExpiry, topic.messageExpiry);
        assert.equal(renamed?.maxTopicSize, topic.maxTopicSize);

        await client.updateTopic({
          streamId: "topic-stream",
          topicId: topic.id,
          messageExpiry: 60_000_000n,
        });
        const updated = await client.getTopic("topic-stream", topic.id);
        assert.equal(updated?.messageExpiry, 60_000_000n);
        assert.equal(updated?.name, "orders-v2");
        await rejectsWithCode(
          client.updateTopic({
            streamId: "topic-stream",
            topicId: "missing",
            name: "x",
          }),
          ErrorCode.TopicIdNotFound,
        );

        await client.createPartitions({
          streamId: "topic-stream",
          topicId: topic.id,
          partitionsCount: 2,
        });
        assert.equal(
          (await client.getTopic("topic-stream", topic.id))?.partitionsCount,
          5,
        );
        await client.deletePartitions({
          streamId: "topic-stream",
          topicId: topic.id,
          partitionsCount: 2,
        });
        assert.deepEqual(
          (await client.getTopic("topic-stream", topic.id))?.partitions.map((
            p,
          ) => p.id),
          [0, 1, 2],
        );
        await client.deleteSegments({
          streamId: "topic-stream",
          topicId: topic.id,
          partitionId: 0,
          segmentsCount: 1,
        });

        await client.purgeTopic("topic-stream", topic.id);
        await client.deleteTopic("topic-stream", topic.id);
        assert.equal(
          await client.getTopic("topic-stream", topic.id),
          undefined,
        );
        assert.deepEqual(await client.getTopics("topic-stream"), []);
        await rejectsWithCode(
          client.deleteTopic("topic-stream", topic.id),
          ErrorCode.TopicIdNotFound,
        );
        await client.deleteStream("topic-stream");
      },
    );

    // --- messages: one stream shared by the next steps ------------------------------------------
    const S = "messages";
    const T = "events";
    /** Index → partition it must be on (for balanced and partition id sends). */
    const expectedPartition = new Map<number, number>();
    /** Key → indexes sent with that key. */
    const byKey = new Map<string, number[]>();
    const partitions: Message[][] = [];

    await t.step(
      `sendMessages() stores ${MESSAGE_COUNT} messages with headers by every partitioning`,
      async () => {
        await client.createStream(S);
        await client.createTopic(S, T, { partitionsCount: 3 });
        const sends: Promise<void>[] = [];
        let index = 0;
        function batch(kind: string, size: number, key?: string) {
          return Array.from({ length: size }, () => {
            const i = index++;
            return {
              id: BigInt(i + 1),
              payload: i % 2 === 0
                ? `message-${i}`
                : new TextEncoder().encode(`message-${i}`),
              headers: {
                index: header.uint32(i),
                partitioning: header.string(kind),
                ...(key ? { key: header.string(key) } : {}),
                big: header.uint64(BigInt(i) * 1_000_000_007n),
                even: header.bool(i % 2 === 0),
              },
            };
          });
        }
        // Balanced on a fresh topic: request b goes to partition b mod 3. 12 × 250 = 3000.
        for (let b = 0; b < 12; b++) {
          const messages = batch("balanced", 250);
          for (const m of messages) {
            expectedPartition.set(Number(m.id) - 1, b % 3);
          }
          sends.push(
            client.sendMessages({ streamId: S, topicId: T, messages }),
          );
        }
        // Partition id: 3 partitions × 2 batches × 500 = 3000.
        for (let p = 0; p < 3; p++) {
          for (let b = 0; b < 2; b++) {
            const messages = batch("partition_id", 500);
            for (const m of messages) {
              expectedPartition.set(Number(m.id) - 1, p);
            }
            sends.push(client.sendMessages({
              streamId: S,
              topicId: T,
              partitioning: Partitioning.partitionId(p),
              messages,
            }));
          }
        }
        // Messages key: 40 keys × 100 = 4000.
        for (let k = 0; k < 40; k++) {
          const key = `customer-${k}`;
          const messages = batch("messages_key", 100, key);
          byKey.set(key, messages.map((m) => Number(m.id) - 1));
          sends.push(client.sendMessages({
            streamId: S,
            topicId: T,
            partitioning: Partitioning.messagesKey(key),
            messages,
          }));
        }
        await Promise.all(sends);
        assert.equal(index, MESSAGE_COUNT);
        const topic = await client.getTopic(S, T);
        assert.equal(topic?.messagesCount, BigInt(MESSAGE_COUNT));
      },
    );

    await t.step(
      "pollMessages() returns every message with payload, headers, contiguous offsets and checksums",
      async () => {
        const seen = new Set<number>();
        for (let p = 0; p < 3; p++) {
          const messages = await pollAll(client, S, T, p);
          partitions[p] = messages;
          let previousIndex = -1;
          messages.forEach((message, offset) => {
            assert.equal(message.offset, BigInt(offset), "contiguous offsets");
            assert.equal(
              message.checksum,
              checksumOf(message),
              "XXH3-64 of the frame",
            );
            assert.ok(message.timestamp > 0n);
            assert.ok(message.originTimestamp > 0n);
            const index = headerToValue(message.headers.index!) as number;
            assert.equal(decoder.decode(message.payload), `message-${index}`);
            assert.equal(message.id, BigInt(index + 1));
            assert.equal(
              headerToValue(message.headers.big!),
              BigInt(index) * 1_000_000_007n,
            );
            assert.equal(headerToValue(message.headers.even!), index % 2 === 0);
            const expected = expectedPartition.get(index);
            if (expected !== undefined) {
              assert.equal(p, expected, `message ${index}`);
            } else {
              assert.equal(
                headerToValue(message.headers.partitioning!),
                "messages_key",
              );
            }
            assert.ok(index > previousIndex, "send order kept per partition");
            previousIndex = index;
            assert.ok(!seen.has(index), `message ${index} seen twice`);
            seen.add(index);
          });
        }
        assert.equal(seen.size, MESSAGE_COUNT);
        // All messages of one key are on one partition.
        const partitionOf = new Map<number, number>();
        partitions.forEach((messages, p) => {
          for (const m of messages) {
            partitionOf.set(headerToValue(m.headers.index!) as number, p);
          }
        });
        for (const [key, indexes] of byKey) {
          const set = new Set(indexes.map((i) => partitionOf.get(i)));
          assert.equal(set.size, 1, `key ${key} spans partitions`);
        }
      },
    );

    await t.step(
      "pollMessages() with offset, timestamp, first and last",
      async () => {
        const part = partitions[1]!;
        const byOffset = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 1,
          strategy: PollingStrategy.offset(10n),
          count: 5,
        });
        assert.deepEqual(byOffset.messages.map((m) => m.offset), [
          10n,
          11n,
          12n,
          13n,
          14n,
        ]);
        assert.deepEqual(byOffset.messages[0]!.payload, part[10]!.payload);
        assert.equal(byOffset.currentOffset, BigInt(part.length - 1));

        const middle = part[Math.floor(part.length / 2)]!;
        const byTime = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 1,
          strategy: PollingStrategy.timestamp(middle.timestamp),
          count: 10,
        });
        const firstByTime = byTime.messages[0]!;
        assert.ok(firstByTime.timestamp >= middle.timestamp);
        assert.ok(firstByTime.offset <= middle.offset);
        if (firstByTime.offset > 0n) {
          assert.ok(
            part[Number(firstByTime.offset) - 1]!.timestamp < middle.timestamp,
          );
        }
        const future = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 1,
          strategy: PollingStrategy.timestamp(new Date(Date.now() + 3_600_000)),
        });
        assert.equal(future.messages.length, 0);

        const first = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 2,
          strategy: PollingStrategy.first(),
          count: 3,
        });
        assert.deepEqual(first.messages.map((m) => m.offset), [0n, 1n, 2n]);

        const last = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 2,
          strategy: PollingStrategy.last(),
          count: 4,
        });
        const end = BigInt(partitions[2]!.length - 1);
        assert.deepEqual(last.messages.map((m) => m.offset), [
          end - 3n,
          end - 2n,
          end - 1n,
          end,
        ]);

        const past = await client.pollMessages({
          streamId: S,
          topicId: T,
          partitionId: 2,
          strategy: PollingStrategy.offset(end + 1n),
        });
        assert.equal(past.messages.length, 0);
        assert.equal(past.currentOffset, end);
        await rejectsWithCode(
          client.pollMessages({ streamId: S, topicId: T, partitionId: 7 }),
          ErrorCode.PartitionNotFound,
        );
      },
    );

    await t.step(
      "pollMessages() with next auto-commits and continues",
      async () => {
        const consumer = Consumer.single(77);
        const ref = { streamId: S, topicId: T, partitionId: 0, consumer };
        const first = await client.pollMessages({ ...ref, count: 100 });
        assert.equal(first.messages[0]!.offset, 0n);
        assert.equal(first.messages.length, 100);
        assert.equal(
          (await client.getConsumerOffset(ref))?.storedOffset,
          99n,
        );
        const second = await client.pollMessages({
          ...ref,
          strategy: PollingStrategy.next(),
          count: 50,
          autoCommit: true,
        });
        assert.equal(second.messages[0]!.offset, 100n);
        assert.equal((await client.getConsumerOffset(ref))?.storedOffset, 149n);
        // Without auto-commit the stored offset stays.
        const third = await client.pollMessages({
          ...ref,
          count: 10,
          autoCommit: false,
        });
        assert.equal(third.messages[0]!.offset, 150n);
        assert.equal((await client.getConsumerOffset(ref))?.storedOffset, 149n);
      },
    );

    await t.step(
      "storeConsumerOffset(), getConsumerOffset(), deleteConsumerOffset()",
      async () => {
        const ref = {
          streamId: S,
          topicId: T,
          partitionId: 2,
          consumer: Consumer.single("offset-tester"),
        };
        assert.equal(await client.getConsumerOffset(ref), undefined);
        await client.storeConsumerOffset({ ...ref, offset: 42n });
        const info = await client.getConsumerOffset(ref);
        assert.equal(info?.storedOffset, 42n);
        assert.equal(info?.partitionId, 2);
        assert.equal(info?.currentOffset, BigInt(partitions[2]!.length - 1));
        await rejectsWithCode(
          client.storeConsumerOffset({ ...ref, offset: 10_000_000n }),
          ErrorCode.InvalidOffset,
        );
        await client.deleteConsumerOffset(ref);
        assert.equal(await client.getConsumerOffset(ref), undefined);
        await assert.rejects(client.deleteConsumerOffset(ref), IggyError);
        assert.equal(
          await client.getConsumerOffset({ ...ref, streamId: "missing" }),
          undefined,
        );
      },
    );

    await t.step(
      "consumer groups: create, join, get, poll, leave, delete",
      async () => {
        const topic = { streamId: S, topicId: T };
        const group = await client.createConsumerGroup({
          ...topic,
          name: "g1",
        });
        assert.equal(group.name, "g1");
        assert.equal(group.membersCount, 0);
        assert.equal(group.partitionsCount, 3);
        await rejectsWithCode(
          client.createConsumerGroup({ ...topic, name: "g1" }),
          ErrorCode.ConsumerGroupNameAlreadyExists,
        );
        const ref = { ...topic, groupId: "g1" };
        if (sessionless) {
          // No session to be a member with: membership and group polls are unavailable.
          await rejectsWithCode(
            client.joinConsumerGroup(ref),
            ErrorCode.FeatureUnavailable,
          );
          await rejectsWithCode(
            client.pollMessages({ ...topic, consumer: Consumer.group("g1") }),
            ErrorCode.FeatureUnavailable,
          );
          await rejectsWithCode(
            client.leaveConsumerGroup(ref),
            ErrorCode.FeatureUnavailable,
          );
          const details = await client.getConsumerGroup(ref);
          assert.equal(details?.id, group.id);
          assert.equal(details?.membersCount, 0);
          assert.deepEqual(details?.members, []);
          assert.deepEqual(
            (await client.getConsumerGroups(S, T)).map((g) => g.name),
            ["g1"],
          );
        } else {
          await rejectsWithCode(
            client.pollMessages({ ...topic, consumer: Consumer.group("g1") }),
            ErrorCode.ConsumerGroupMemberNotFound,
          );
          await client.joinConsumerGroup(ref);
          const details = await client.getConsumerGroup(ref);
          assert.equal(details?.id, group.id);
          assert.equal(details?.membersCount, 1);
          assert.deepEqual(
            details?.members[0]?.partitions.toSorted(),
            [0, 1, 2],
          );
          const me = await client.getMe();
          assert.ok(
            me.consumerGroups.some((g) => g.groupId === group.id),
            "getMe() lists the group",
          );

          const polled = await client.pollMessages({
            ...topic,
            consumer: Consumer.group(group.id),
            strategy: PollingStrategy.next(),
            count: 10,
          });
          assert.equal(polled.messages.length, 10);
          assert.equal(polled.messages[0]!.offset, 0n);
          const stored = await client.getConsumerOffset({
            ...topic,
            consumer: Consumer.group("g1"),
            partitionId: polled.partitionId,
          });
          assert.equal(stored?.storedOffset, 9n);

          assert.deepEqual(
            (await client.getConsumerGroups(S, T)).map((g) => g.name),
            ["g1"],
          );
          await client.leaveConsumerGroup(ref);
          assert.equal((await client.getConsumerGroup(ref))?.membersCount, 0);
          await rejectsWithCode(
            client.leaveConsumerGroup(ref),
            ErrorCode.ConsumerGroupMemberNotFound,
          );
        }
        await client.deleteConsumerGroup(ref);
        assert.equal(await client.getConsumerGroup(ref), undefined);
        assert.deepEqual(await client.getConsumerGroups(S, T), []);
      },
    );

    await t.step("flushUnsavedBuffer() succeeds", async () => {
      await client.flushUnsavedBuffer({
        streamId: S,
        topicId: T,
        partitionId: 0,
        fsync: true,
      });
    });

    await t.step(
      "users: create, get, update, permissions, password, delete",
      async () => {
        const user = await client.createUser("suite-user", "secret-1", {
          permissions: noPermissions(),
        });
        assert.equal(user.username, "suite-user");
        assert.equal(user.status, UserStatus.Active);
        await rejectsWithCode(
          client.createUser("suite-user", "secret-1"),
          ErrorCode.UserAlreadyExists,
        );
        assert.equal((await client.getUser("suite-user"))?.id, user.id);
        assert.equal((await client.getUser(user.id))?.username, "suite-user");
        assert.equal(await client.getUser("nobody-here"), undefined);
        assert.ok((await client.getUsers()).some((u) => u.id === user.id));

        await using other = await connect(server);
        await other.logout();
        assert.equal(
          (await other.login("suite-user", "secret-1")).userId,
          user.id,
        );
        await rejectsWithCode(other.getStreams(), ErrorCode.Unauthorized);
        await client.updatePermissions(user.id, rootPermissions());
        await other.getStreams();

        await other.changePassword("suite-user", {
          currentPassword: "secret-1",
          newPassword: "secret-2",
        });
        // A password change revokes the user's JWTs (issue 13), so check the passwords on a
        // fresh client: over HTTP, `other`'s token no longer works.
        await using again = await connect(server);
        await again.logout();
        await rejectsWithCode(
          again.login("suite-user", "secret-1"),
          ErrorCode.InvalidCredentials,
        );
        await again.login("suite-user", "secret-2");

        await client.updateUser(user.id, {
          username: "suite-user-2",
          status: UserStatus.Inactive,
        });
        const updated = await client.getUser(user.id);
        assert.equal(updated?.username, "suite-user-2");
        assert.equal(updated?.status, UserStatus.Inactive);

        await client.deleteUser("suite-user-2");
        assert.equal(await client.getUser(user.id), undefined);
        await rejectsWithCode(
          client.deleteUser("suite-user-2"),
          ErrorCode.ResourceNotFound,
        );
      },
    );

    await t.step(
      "personal access tokens: create, list, login, delete",
      async () => {
        const token = await client.createPersonalAccessToken("suite-token");
        assert.ok(token.length > 10);
        const listed = await client.getPersonalAccessTokens();
        assert.ok(listed.some((pat) => pat.name === "suite-token"));
        await rejectsWithCode(
          client.createPersonalAccessToken("suite-token"),
          ErrorCode.PersonalAccessTokenAlreadyExists,
        );

        await using other = await connect(server);
        await other.logout();
        assert.equal(
          (await other.loginWithPersonalAccessToken(token)).userId,
          0,
        );
        await other.getStreams();

        await client.deletePersonalAccessToken("suite-token");
        assert.ok(
          !(await client.getPersonalAccessTokens()).some((pat) =>
            pat.name === "suite-token"
          ),
        );
        await other.logout();
        await assert.rejects(
          other.loginWithPersonalAccessToken(token),
          IggyError,
        );
      },
    );

    await t.step(
      "getStats(), getMe(), getClients(), getClient(), getClusterMetadata()",
      async () => {
        const stats = await client.getStats();
        assert.ok(stats.streamsCount >= 1);
        assert.ok(stats.messagesCount >= BigInt(MESSAGE_COUNT));
        assert.ok(stats.iggyServerVersion.length > 0);

        if (sessionless) {
          // Requests are not client sessions: nothing to describe or list.
          assert.equal(stats.clientsCount, 0);
          await rejectsWithCode(client.getMe(), ErrorCode.FeatureUnavailable);
          assert.deepEqual(await client.getClients(), []);
          assert.equal(await client.getClient(1), undefined);
        } else {
          assert.ok(stats.clientsCount >= 1);
          const me = await client.getMe();
          assert.equal(me.userId, 0);
          assert.ok(me.address.length > 0);
          const clients = await client.getClients();
          assert.ok(clients.some((c) => c.clientId === me.clientId));
          const again = await client.getClient(me.clientId);
          assert.equal(again?.clientId, me.clientId);
          assert.equal(
            await client.getClient(me.clientId === 1 ? 2 : 1),
            undefined,
          );
        }

        const cluster = await client.getClusterMetadata();
        assert.ok(cluster.nodes.length >= 1);
      },
    );

    await t.step("purgeStream() empties the topics", async () => {
      await client.purgeStream(S);
      const polled = await client.pollMessages({
        streamId: S,
        topicId: T,
        partitionId: 0,
        strategy: PollingStrategy.first(),
      });
      assert.equal(polled.messages.length, 0);
      await client.deleteStream(S);
    });

    await t.step(
      "close() makes later requests fail with ConnectionError",
      async () => {
        const other = await connect(server);
        await other.close();
        assert.equal(other.closed, true);
        await assert.rejects(
          other.ping(),
          (err: unknown) =>
            err instanceof Error && err.name === "ConnectionError",
        );
      },
    );
  });
}
