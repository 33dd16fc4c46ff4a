/**
 * Applies a metadata entry to the model: pure over memory (no I/O, no clock, no randomness), so
 * replaying the log, or a replica applying the same entries, reaches the same metadata. An entry
 * whose target no longer exists changes nothing (validation made sure it existed when it was
 * appended).
 * @module
 */

import { newIds, releaseId, takeId } from "../domain/ids.ts";
import type { MetadataEntry } from "./entries.ts";
import type { MetadataModel, StreamRecord, TopicRecord } from "./model.ts";

function topicOf(
  model: MetadataModel,
  streamId: number,
  topicId: number,
): TopicRecord | undefined {
  return model.streams.get(streamId)?.topics.get(topicId);
}

function removeTokens(
  model: MetadataModel,
  drop: (token: MetadataModel["tokens"][number]) => boolean,
): void {
  for (let i = model.tokens.length - 1; i >= 0; i--) {
    if (drop(model.tokens[i]!)) model.tokens.splice(i, 1);
  }
}

/**
 * Applies `entry` to `model` in place.
 * @param model the metadata to change
 * @param entry a validated change
 */
export function applyEntry(model: MetadataModel, entry: MetadataEntry): void {
  switch (entry.type) {
    case "CreateStream": {
      takeId(model.streamIds, entry.id);
      const stream: StreamRecord = {
        id: entry.id,
        name: entry.name,
        createdAt: entry.createdAt,
        topicIds: newIds(),
        topics: new Map(),
      };
      model.streams.set(entry.id, stream);
      return;
    }
    case "UpdateStream": {
      const stream = model.streams.get(entry.id);
      if (stream) stream.name = entry.name;
      return;
    }
    case "DeleteStream":
      if (!model.streams.delete(entry.id)) return;
      releaseId(model.streamIds, entry.id);
      // Ids are reused: a permission left behind would apply to the next stream at this id.
      for (const user of model.users.values()) {
        user.permissions?.streams.delete(entry.id);
      }
      return;
    case "CreateTopic": {
      const stream = model.streams.get(entry.streamId);
      if (!stream) return;
      takeId(stream.topicIds, entry.id);
      stream.topics.set(entry.id, {
        id: entry.id,
        createdAt: entry.createdAt,
        settings: entry.settings,
        partitions: Array.from({ length: entry.partitionsCount }, (_, id) => ({
          id,
          createdAt: entry.createdAt,
        })),
        groupIds: newIds(),
        groups: new Map(),
      });
      return;
    }
    case "UpdateTopic": {
      const topic = topicOf(model, entry.streamId, entry.id);
      if (topic) topic.settings = entry.settings;
      return;
    }
    case "DeleteTopic": {
      const stream = model.streams.get(entry.streamId);
      if (!stream?.topics.delete(entry.id)) return;
      releaseId(stream.topicIds, entry.id);
      for (const user of model.users.values()) {
        user.permissions?.streams.get(entry.streamId)?.topics.delete(entry.id);
      }
      return;
    }
    case "CreatePartitions": {
      const topic = topicOf(model, entry.streamId, entry.topicId);
      if (!topic) return;
      for (let i = 0; i < entry.count; i++) {
        topic.partitions.push({
          id: topic.partitions.length,
          createdAt: entry.createdAt,
        });
      }
      return;
    }
    case "DeletePartitions": {
      const topic = topicOf(model, entry.streamId, entry.topicId);
      topic?.partitions.splice(
        Math.max(0, topic.partitions.length - entry.count),
      );
      return;
    }
    case "CreateConsumerGroup": {
      const topic = topicOf(model, entry.streamId, entry.topicId);
      if (!topic) return;
      takeId(topic.groupIds, entry.id);
      topic.groups.set(entry.id, { id: entry.id, name: entry.name });
      return;
    }
    case "DeleteConsumerGroup": {
      const topic = topicOf(model, entry.streamId, entry.topicId);
      if (topic?.groups.delete(entry.id)) releaseId(topic.groupIds, entry.id);
      return;
    }
    case "CreateUser":
      takeId(model.userIds, entry.user.id);
      model.users.set(entry.user.id, entry.user);
      return;
    case "UpdateUser": {
      const before = model.users.get(entry.user.id);
      if (!before) return;
      model.users.set(entry.user.id, entry.user);
      // A new password version (ChangePassword) revokes the user's personal access tokens.
      if (entry.user.passwordVersion !== before.passwordVersion) {
        removeTokens(model, (t) => t.userId === entry.user.id);
      }
      return;
    }
    case "DeleteUser":
      if (!model.users.delete(entry.id)) return;
      releaseId(model.userIds, entry.id);
      removeTokens(model, (t) => t.userId === entry.id);
      return;
    case "CreatePersonalAccessToken":
      model.tokens.push(entry.token);
      return;
    case "DeletePersonalAccessToken":
      removeTokens(
        model,
        (t) => t.userId === entry.userId && t.name === entry.name,
      );
      return;
    case "DeleteExpiredPersonalAccessTokens":
      removeTokens(
        model,
        (t) => t.expiryAt !== undefined && t.expiryAt <= entry.now,
      );
      return;
    case "PurgeStream":
    case "PurgeTopic":
    case "DeleteSegments":
      // Message data only: the metadata does not change (see `disk_effects.ts`).
      return;
  }
}
