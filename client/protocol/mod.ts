/**
 * The Iggy 0.8.0 binary wire codec: framing, primitives, every command's request and response
 * objects, and message batches. Pure functions over bytes, shared by the client and the server.
 * @module
 */

export * from "./bytes.ts";
export * from "./errors.ts";
export * from "./codes.ts";
export * from "./frame.ts";
export * from "./identifier.ts";
export * from "./primitives.ts";
export * from "./permissions.ts";
export * from "./commands/system.ts";
export * from "./commands/users.ts";
export * from "./commands/tokens.ts";
export * from "./commands/streams.ts";
export * from "./commands/topics.ts";
export * from "./commands/partitions.ts";
export * from "./commands/segments.ts";
export * from "./commands/consumer_groups.ts";
export * from "./commands/offsets.ts";
export * from "./commands/messages.ts";
export * from "./batch.ts";
export * from "./headers.ts";
