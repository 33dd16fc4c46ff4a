/**
 * `iggy user|u create|delete|get|list|name|status|password|permissions` and
 * `iggy pat create|delete|list`.
 * @module
 */

import type { Command } from "commander";
import { Argument, Option } from "commander";
import {
  type GlobalPermissions,
  noPermissions,
  type Permissions,
  type StreamPermissions,
  type TopicPermissions,
  UserStatus,
} from "../../mod.ts";
import { type App, handle, leaf, notFound, parseId } from "../_app.ts";
import { connectionString } from "../_target.ts";
import { UsageError } from "../_errors.ts";
import { type Column, formatTimestamp } from "../_output.ts";
import { parseExpiry } from "../../server/config_values.ts";

function formatStatus(value: unknown): string {
  return value === UserStatus.Active ? "active" : "inactive";
}

/** Columns of a user row. */
export const USER_COLUMNS: Column[] = [
  { key: "id", header: "ID" },
  { key: "createdAt", header: "Created", format: formatTimestamp },
  { key: "status", header: "Status", format: formatStatus },
  { key: "username", header: "Username" },
];

const GLOBAL_NAMES: Record<string, keyof GlobalPermissions> = {
  manage_servers: "manageServers",
  m_srv: "manageServers",
  read_servers: "readServers",
  r_srv: "readServers",
  manage_users: "manageUsers",
  m_usr: "manageUsers",
  read_users: "readUsers",
  r_usr: "readUsers",
  manage_streams: "manageStreams",
  m_str: "manageStreams",
  read_streams: "readStreams",
  r_str: "readStreams",
  manage_topics: "manageTopics",
  m_top: "manageTopics",
  read_topics: "readTopics",
  r_top: "readTopics",
  poll_messages: "pollMessages",
  p_msg: "pollMessages",
  send_messages: "sendMessages",
  s_msg: "sendMessages",
};

type StreamFlag = Exclude<keyof StreamPermissions, "topics">;
const STREAM_NAMES: Record<string, StreamFlag> = {
  manage_stream: "manageStream",
  m_str: "manageStream",
  read_stream: "readStream",
  r_str: "readStream",
  manage_topics: "manageTopics",
  m_top: "manageTopics",
  read_topics: "readTopics",
  r_top: "readTopics",
  poll_messages: "pollMessages",
  p_msg: "pollMessages",
  send_messages: "sendMessages",
  s_msg: "sendMessages",
};

const TOPIC_NAMES: Record<string, keyof TopicPermissions> = {
  manage_topic: "manageTopic",
  m_top: "manageTopic",
  read_topic: "readTopic",
  r_top: "readTopic",
  poll_messages: "pollMessages",
  p_msg: "pollMessages",
  send_messages: "sendMessages",
  s_msg: "sendMessages",
};

function flags<K extends string>(
  text: string,
  names: Record<string, K>,
  what: string,
): Set<K> {
  const set = new Set<K>();
  for (const raw of text.split(",")) {
    const name = raw.trim();
    if (name === "") continue;
    const key = names[name];
    if (key === undefined) {
      throw new UsageError(
        `Unknown ${what} permission "${name}": expected one of ${
          Object.keys(names).join(", ")
        }`,
      );
    }
    set.add(key);
  }
  return set;
}

function streamId(text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(
      `Invalid stream permissions: "${text}" is not a numeric id`,
    );
  }
  return Number(text);
}

/**
 * Builds permissions from `-g m_srv,r_str` and `-s STREAM_ID[:perms][#TOPIC_ID[:perms]]...`.
 *
 * @param global Comma-separated global permissions.
 * @param streams Stream permission specs.
 * @returns The permissions, or `undefined` when neither is given.
 */
export function parsePermissions(
  global: string | undefined,
  streams: string[] | undefined,
): Permissions | undefined {
  if (global === undefined && (streams ?? []).length === 0) return undefined;
  const permissions = noPermissions();
  for (const key of flags(global ?? "", GLOBAL_NAMES, "global")) {
    permissions.global[key] = true;
  }
  for (const spec of streams ?? []) {
    const [streamPart, ...topicParts] = spec.split("#");
    const [id, list = ""] = streamPart!.split(":");
    const stream: StreamPermissions = {
      manageStream: false,
      readStream: false,
      manageTopics: false,
      readTopics: false,
      pollMessages: false,
      sendMessages: false,
      topics: new Map(),
    };
    for (const key of flags(list, STREAM_NAMES, "stream")) stream[key] = true;
    for (const topicSpec of topicParts) {
      const [topicId, topicList = ""] = topicSpec.split(":");
      const topic: TopicPermissions = {
        manageTopic: false,
        readTopic: false,
        pollMessages: false,
        sendMessages: false,
      };
      for (const key of flags(topicList, TOPIC_NAMES, "topic")) {
        topic[key] = true;
      }
      stream.topics.set(streamId(topicId!), topic);
    }
    permissions.streams.set(streamId(id!), stream);
  }
  return permissions;
}

function parseStatus(text: string): UserStatus {
  switch (text.toLowerCase()) {
    case "active":
      return UserStatus.Active;
    case "inactive":
      return UserStatus.Inactive;
    default:
      throw new UsageError(
        `Invalid user status "${text}": expected active or inactive`,
      );
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function permissionOptions(command: Command): Command {
  return command
    .option(
      "-g, --global-permissions <list>",
      "comma-separated global permissions: manage_servers/m_srv, read_servers/r_srv, manage_users/m_usr, read_users/r_usr, manage_streams/m_str, read_streams/r_str, manage_topics/m_top, read_topics/r_top, poll_messages/p_msg, send_messages/s_msg",
    )
    .option(
      "-s, --stream-permissions <spec>",
      "STREAM_ID[:perms][#TOPIC_ID[:perms]]... (stream perms: m_str, r_str, m_top, r_top, p_msg, s_msg; topic perms: m_top, r_top, p_msg, s_msg); repeatable",
      collect,
    );
}

function permissionsText(permissions: Permissions | undefined): string {
  if (permissions === undefined) return "none";
  const global = Object.entries(permissions.global).filter(([, v]) => v).map((
    [k],
  ) => k);
  const parts = [`global: ${global.length ? global.join(", ") : "none"}`];
  for (const [id, stream] of permissions.streams) {
    const set = Object.entries(stream).filter(([k, v]) =>
      k !== "topics" && v === true
    ).map(([k]) => k);
    let text = `stream ${id}: ${set.length ? set.join(", ") : "none"}`;
    for (const [topicId, topic] of stream.topics) {
      const topicSet = Object.entries(topic).filter(([, v]) => v).map(([k]) =>
        k
      );
      text += `; topic ${topicId}: ${
        topicSet.length ? topicSet.join(", ") : "none"
      }`;
    }
    parts.push(text);
  }
  return parts.join(" | ");
}

/**
 * Registers the user and personal access token commands.
 *
 * @param program The root command.
 * @param app The CLI state.
 */
export function registerUserCommands(program: Command, app: App): void {
  const user = program.command("user").alias("u").description(
    "user operations",
  );

  const create = permissionOptions(
    leaf(user, "create", { alias: "c", description: "create a user" })
      .argument("<username>", "user name (3..50 characters)")
      .argument(
        "[password]",
        "password (3..100 characters); prompted when missing",
      )
      .addOption(
        new Option("-u, --user-status <status>", "user status").choices([
          "active",
          "inactive",
        ]).default("active"),
      ),
  );
  handle(app, create, async ({ args, opts, out, command }) => {
    const [username, given] = args as [string, string | undefined];
    const password = given ??
      await secret(app, `Password for the new user ${username}:`);
    const permissions = parsePermissions(
      opts.globalPermissions as string | undefined,
      opts.streamPermissions as string[] | undefined,
    );
    const created = await app.withClient(
      command,
      (client) =>
        client.createUser({
          username,
          password,
          status: parseStatus(String(opts.userStatus)),
          permissions,
        }),
    );
    out.done(
      `User "${created.username}" created with ID ${created.id}`,
      created,
    );
  });

  const del = leaf(user, "delete", { alias: "d", description: "delete a user" })
    .argument("<user_id>", "user id or name");
  handle(app, del, async ({ args, out, command }) => {
    const [id] = args as [string];
    await app.withClient(command, (client) => client.deleteUser(parseId(id)));
    out.done(`User "${id}" deleted`, { deleted: "user", userId: parseId(id) });
  });

  const get = leaf(user, "get", {
    alias: "g",
    description: "show a user and its permissions",
  }).argument("<user_id>", "user id or name");
  handle(app, get, async ({ args, out, command }) => {
    const [id] = args as [string];
    const details = await app.withClient(
      command,
      (client) => client.getUser(parseId(id)),
    );
    if (details === undefined) throw notFound("user", id);
    out.details([
      ...USER_COLUMNS,
      {
        key: "permissions",
        header: "Permissions",
        format: (v) => permissionsText(v as Permissions | undefined),
      },
    ], details as unknown as Record<string, unknown>);
  });

  const list = leaf(user, "list", { alias: "l", description: "list the users" })
    .option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ out, command }) => {
    const users = await app.withClient(command, (client) => client.getUsers());
    out.rows(USER_COLUMNS, users as unknown as Record<string, unknown>[]);
  });

  const name = leaf(user, "name", { alias: "n", description: "rename a user" })
    .argument("<user_id>", "user id or name")
    .argument("<username>", "new user name");
  handle(app, name, async ({ args, out, command }) => {
    const [id, username] = args as [string, string];
    await app.withClient(
      command,
      (client) => client.updateUser(parseId(id), { username }),
    );
    out.done(`User "${id}" renamed to "${username}"`, {
      updated: "user",
      userId: parseId(id),
      username,
    });
  });

  const status = leaf(user, "status", {
    alias: "s",
    description: "activate or deactivate a user",
  })
    .argument("<user_id>", "user id or name")
    .addArgument(
      new Argument("<status>", "active or inactive").choices([
        "active",
        "inactive",
      ]),
    );
  handle(app, status, async ({ args, out, command }) => {
    const [id, value] = args as [string, string];
    await app.withClient(
      command,
      (client) =>
        client.updateUser(parseId(id), { status: parseStatus(value) }),
    );
    out.done(`User "${id}" is now ${value}`, {
      updated: "user",
      userId: parseId(id),
      status: value,
    });
  });

  const password = leaf(user, "password", {
    alias: "pwd",
    description: "change a user's password (prompted for when not given)",
  })
    .argument("<user_id>", "user id or name")
    .argument("[current_password]", "current password")
    .argument("[new_password]", "new password");
  handle(app, password, async ({ args, out, command }) => {
    const [id, current, next] = args as [string, string?, string?];
    const currentPassword = current ??
      await secret(app, `Current password of ${id}:`);
    const newPassword = next ?? await secret(app, `New password of ${id}:`);
    await app.withClient(
      command,
      (client) =>
        client.changePassword(parseId(id), { currentPassword, newPassword }),
    );
    out.done(`Password of user "${id}" changed`, {
      updated: "user",
      userId: parseId(id),
    });
  });

  const permissions = permissionOptions(
    leaf(user, "permissions", {
      alias: "p",
      description: "replace a user's permissions (no options removes them all)",
    }).argument("<user_id>", "user id or name"),
  );
  handle(app, permissions, async ({ args, opts, out, command }) => {
    const [id] = args as [string];
    const value = parsePermissions(
      opts.globalPermissions as string | undefined,
      opts.streamPermissions as string[] | undefined,
    );
    await app.withClient(
      command,
      (client) => client.updatePermissions(parseId(id), value),
    );
    out.done(`Permissions of user "${id}" updated`, {
      updated: "user",
      userId: parseId(id),
      permissions: value ?? null,
    });
  });

  registerTokenCommands(program, app);
}

async function secret(app: App, message: string): Promise<string> {
  if (!app.io.stdinIsTerminal()) {
    throw new UsageError(
      "A password is needed: give it as an argument (standard input is not a terminal)",
    );
  }
  return await app.io.promptSecret(message);
}

/**
 * Parses a personal access token expiry: absent, `none` or `unlimited` never expire (0).
 *
 * @param words The expiry words, e.g. `["1day", "2h"]`.
 * @returns The expiry in µs; 0 for never.
 */
export function parseTokenExpiry(words: string[] | undefined): bigint {
  const text = (words ?? []).join(" ").trim();
  if (text === "" || /^(none|unlimited|never_expire)$/i.test(text)) return 0n;
  return parseExpiry(text);
}

/** The rule the server applies to token names (shown in help and when a name is refused). */
export const PAT_NAME_RULE = "3..30 characters (UTF-8 bytes)";

/** Refuses a token name the server would refuse, saying the rule. */
function checkPatName(name: string): void {
  const length = new TextEncoder().encode(name).length;
  if (length < 3 || length > 30) {
    throw new UsageError(
      `Invalid token name "${name}": names are ${PAT_NAME_RULE}, this one has ${length}`,
    );
  }
}

function registerTokenCommands(program: Command, app: App): void {
  const pat = program.command("pat").description(
    "personal access token operations",
  );

  const create = leaf(pat, "create", {
    alias: "c",
    description:
      "create a personal access token for the logged-in user (printed once; -q prints only the token)",
  })
    .argument("<name>", `token name (${PAT_NAME_RULE})`)
    .argument("[expiry...]", 'expiry like "1day 2h"; none when absent')
    .option(
      "-s, --store-token",
      "store the token in $IGGY_HOME (mode 0600) for -n/--token-name instead of printing it (tokens without expiry only)",
    );
  handle(app, create, async ({ args, opts, out, command }) => {
    const [name, expiry] = args as [string, string[]];
    const store = opts.storeToken === true;
    const expiryMicros = parseTokenExpiry(expiry);
    if (store && expiryMicros !== 0n) {
      throw new UsageError(
        "--store-token is only for tokens that never expire: leave out the expiry",
      );
    }
    checkPatName(name);
    const token = await app.withClient(
      command,
      (client) =>
        client.createPersonalAccessToken(name, { expiry: expiryMicros }),
    );
    if (store) {
      const server = connectionString(await app.target(command));
      await app.home.storeToken(server, name, token);
      if (out.structured) return out.json({ name, stored: true });
      if (out.quiet) return out.line(name);
      out.line(
        `Personal access token "${name}" created and stored; log in with \`iggy -n ${name} …\``,
      );
      return;
    }
    if (out.structured) return out.json({ name, token });
    if (out.quiet) return out.line(token);
    out.line(`Personal access token "${name}" created: ${token}`);
  });

  const del = leaf(pat, "delete", {
    alias: "d",
    description: "delete a personal access token",
  }).argument("<name>", "token name");
  handle(app, del, async ({ args, out, command }) => {
    const [name] = args as [string];
    await app.withClient(
      command,
      (client) => client.deletePersonalAccessToken(name),
    );
    await app.home.deleteStoredToken(
      connectionString(await app.target(command)),
      name,
    );
    out.done(`Personal access token "${name}" deleted`, {
      deleted: "personal_access_token",
      name,
    });
  });

  const list = leaf(pat, "list", {
    alias: "l",
    description: "list the logged-in user's personal access tokens",
  }).option("-l, --list-mode <mode>", "table or list (same as --output)");
  handle(app, list, async ({ out, command }) => {
    const tokens = await app.withClient(
      command,
      (client) => client.getPersonalAccessTokens(),
    );
    out.rows([
      { key: "name", header: "Name" },
      {
        key: "expiryAt",
        header: "Expires At",
        format: (v) => v === undefined ? "never" : formatTimestamp(v),
      },
    ], tokens as unknown as Record<string, unknown>[]);
  });
}
