/**
 * The JSON of Iggy's HTTP API (http.md §6, §7), one `xToJson` / `xFromJson` pair per resource
 * shape, used by the server's routes and the SDK's HTTP transport alike; field readers
 * ({@linkcode JsonFields}) that each side gives its own rejection; JSON values, base64, byte sizes.
 * Pure functions, no I/O.
 * @module
 */

export * from "./values.ts";
export * from "./fields.ts";
export * from "./streams.ts";
export * from "./topics.ts";
export * from "./consumer_groups.ts";
export * from "./offsets.ts";
export * from "./users.ts";
export * from "./tokens.ts";
export * from "./system.ts";
export * from "./messages.ts";
