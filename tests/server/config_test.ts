import assert from "node:assert/strict";
import { join } from "node:path";
import {
  configEnvNames,
  ConfigError,
  DEFAULT_CONFIG_TOML,
  displayConfig,
  loadConfig,
  type LoadConfigOptions,
  parseAddress,
  type ServerConfig,
} from "../../server/config.ts";
import {
  EXPIRY_NEVER,
  MAX_TOPIC_SIZE_UNLIMITED,
} from "../../server/config_values.ts";
import { withTempDir } from "../_temp_dir.ts";

/** Loads with an empty environment from `cwd`, collecting warnings. */
async function load(
  cwd: string,
  options: LoadConfigOptions = {},
): Promise<{ config: ServerConfig; warnings: string[] }> {
  const warnings: string[] = [];
  const config = await loadConfig({
    env: {},
    cwd,
    onWarning: (message) => warnings.push(message),
    ...options,
  });
  return { config, warnings };
}

async function loadError(
  cwd: string,
  options: LoadConfigOptions,
): Promise<ConfigError> {
  try {
    await load(cwd, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("DEFAULT_CONFIG_TOML is the text of configs/server.toml", async () => {
  const onDisk = await Deno.readTextFile(
    new URL("../../configs/server.toml", import.meta.url),
  );
  assert.equal(DEFAULT_CONFIG_TOML, onDisk);
});

Deno.test("loadConfig() gives the defaults with no file and no env", async () => {
  await withTempDir(async (dir) => {
    const { config, warnings } = await load(dir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.tcp.address, "127.0.0.1:8090");
    assert.equal(config.tcp.enabled, true);
    assert.equal(config.quic.address, "127.0.0.1:8080");
    assert.equal(config.http.address, "127.0.0.1:3000");
    assert.equal(config.websocket.address, "127.0.0.1:8092");
    assert.equal(config.websocket.readBufferSize, undefined);
    assert.equal(config.http.maxRequestSize, 2_000_000);
    assert.deepEqual(config.http.cors.allowedMethods, [
      "GET",
      "POST",
      "PUT",
      "DELETE",
    ]);
    assert.deepEqual(config.http.jwt.trustedIssuers, []);
    assert.equal(config.http.jwt.accessTokenExpiry, 3_600_000_000n);
    assert.equal(config.http.jwt.clockSkew, 5000);
    assert.equal(config.system.path, "local_data");
    assert.equal(config.system.segment.size, 1_073_741_824);
    assert.equal(config.system.segment.cacheIndexes, "open_segment");
    assert.equal(config.system.partition.enforceFsync, false);
    assert.equal(config.system.partition.messagesRequiredToSave, 1024);
    assert.equal(
      config.system.partition.sizeOfMessagesRequiredToSave,
      1_048_576,
    );
    assert.equal(config.system.topic.maxSize, MAX_TOPIC_SIZE_UNLIMITED);
    assert.equal(config.system.topic.messageExpiry, EXPIRY_NEVER);
    assert.deepEqual(config.system.messageDeduplication, {
      enabled: false,
      maxEntries: 10000,
      expiry: 60_000,
    });
    assert.deepEqual(config.system.encryption, { enabled: false, key: "" });
    assert.equal(config.system.logging.level, "info");
    assert.equal(config.system.logging.retention, 7 * 86_400_000);
    assert.deepEqual(config.messageSaver, {
      enabled: true,
      enforceFsync: true,
      interval: 30_000,
    });
    assert.deepEqual(config.heartbeat, { enabled: false, interval: 5000 });
    assert.deepEqual(config.personalAccessToken, {
      maxTokensPerUser: 100,
      cleaner: { enabled: true, interval: 60_000 },
    });
    assert.deepEqual(config.dataMaintenance, {
      messages: { cleanerEnabled: true, interval: 60_000 },
    });
    assert.deepEqual(config.consumerGroup, {
      rebalancingTimeout: 30_000,
      rebalancingCheckInterval: 5000,
    });
    assert.equal(config.quic.maxConcurrentBidiStreams, 10_000);
    assert.equal(config.quic.initialMtu, 8000);
    assert.deepEqual(config.cluster.node.others, [
      {
        name: "iggy-node-2",
        ip: "127.0.0.1",
        ports: { tcp: 8091, quic: 8081, http: 3001, websocket: 8093 },
      },
    ]);
  });
});

Deno.test("loadConfig() merges configs/server.toml from cwd over the defaults", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "configs"));
    await Deno.writeTextFile(
      join(dir, "configs/server.toml"),
      '[tcp]\naddress = "0.0.0.0:9999"\n[system.segment]\nsize = "64 MiB"\n[http.cors]\nallowed_origins = []\n',
    );
    const { config, warnings } = await load(dir);
    assert.deepEqual(warnings, []);
    assert.equal(config.tcp.address, "0.0.0.0:9999");
    assert.equal(config.tcp.enabled, true);
    assert.equal(config.system.segment.size, 64 * 1024 * 1024);
    assert.equal(config.system.segment.cacheIndexes, "open_segment");
    assert.deepEqual(config.http.cors.allowedOrigins, []);
  });
});

Deno.test("loadConfig() reads IGGY_CONFIG_PATH given as an absolute path", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "custom.toml");
    await Deno.writeTextFile(
      file,
      '[heartbeat]\nenabled = true\ninterval = "2 s"\n',
    );
    const { config } = await load("/", { env: { IGGY_CONFIG_PATH: file } });
    assert.deepEqual(config.heartbeat, { enabled: true, interval: 2000 });
  });
});

Deno.test("loadConfig() looks a relative IGGY_CONFIG_PATH up in cwd, then parents", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "etc"));
    await Deno.mkdir(join(dir, "a/b"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "etc/iggy.toml"),
      '[system]\npath = "from_parent"\n',
    );
    const { config } = await load(join(dir, "a/b"), {
      env: { IGGY_CONFIG_PATH: "etc/iggy.toml" },
    });
    assert.equal(config.system.path, "from_parent");

    await Deno.mkdir(join(dir, "a/b/etc"));
    await Deno.writeTextFile(
      join(dir, "a/b/etc/iggy.toml"),
      '[system]\npath = "from_cwd"\n',
    );
    const nearer = await load(join(dir, "a/b"), {
      env: { IGGY_CONFIG_PATH: "etc/iggy.toml" },
    });
    assert.equal(nearer.config.system.path, "from_cwd");
  });
});

Deno.test("loadConfig() warns and uses defaults when IGGY_CONFIG_PATH is missing", async () => {
  await withTempDir(async (dir) => {
    const { config, warnings } = await load(dir, {
      env: { IGGY_CONFIG_PATH: "nope/missing.toml" },
    });
    assert.equal(config.tcp.address, "127.0.0.1:8090");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"nope\/missing\.toml" not found/);
  });
});

Deno.test("loadConfig() prefers options.path over IGGY_CONFIG_PATH", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.toml"), "[tcp]\nenabled = false\n");
    await Deno.writeTextFile(join(dir, "b.toml"), "[quic]\nenabled = false\n");
    const { config } = await load(dir, {
      path: "a.toml",
      env: { IGGY_CONFIG_PATH: "b.toml" },
    });
    assert.equal(config.tcp.enabled, false);
    assert.equal(config.quic.enabled, true);
  });
});

Deno.test("loadConfig() reads a JSON config file", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "server.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        tcp: { address: "127.0.0.1:7000" },
        system: {
          segment: { size: 1048576 },
          topic: { message_expiry: "7 days" },
        },
      }),
    );
    const { config } = await load(dir, { path: file });
    assert.equal(config.tcp.address, "127.0.0.1:7000");
    assert.equal(config.system.segment.size, 1_048_576);
    assert.equal(config.system.topic.messageExpiry, 604_800_000_000n);
  });
});

Deno.test("loadConfig() applies IGGY_* overrides over the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "c.toml"),
      '[tcp]\naddress = "0.0.0.0:1"\n',
    );
    const { config, warnings } = await load(dir, {
      path: "c.toml",
      env: {
        IGGY_TCP_ADDRESS: "127.0.0.1:0",
        IGGY_QUIC_ENABLED: "FALSE",
        IGGY_HTTP_ENABLED: "true",
        IGGY_HEARTBEAT_ENABLED: "True",
        IGGY_SYSTEM_SEGMENT_SIZE: "16 MiB",
        IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE: "5",
        IGGY_HTTP_MAX_REQUEST_SIZE: "4096",
        IGGY_SYSTEM_LOGGING_SYSINFO_PRINT_INTERVAL: "0",
        IGGY_SYSTEM_TOPIC_MESSAGE_EXPIRY: "1 h",
        IGGY_SYSTEM_TOPIC_MAX_SIZE: "10 GB",
        IGGY_SYSTEM_ENCRYPTION_KEY: "",
        IGGY_SYSTEM_PATH: "12345",
      },
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.tcp.address, "127.0.0.1:0");
    assert.equal(config.quic.enabled, false);
    assert.equal(config.http.enabled, true);
    assert.equal(config.heartbeat.enabled, true);
    assert.equal(config.system.segment.size, 16 * 1024 * 1024);
    assert.equal(config.system.partition.messagesRequiredToSave, 5);
    assert.equal(config.http.maxRequestSize, 4096);
    assert.equal(config.system.logging.sysinfoPrintInterval, 0);
    assert.equal(config.system.topic.messageExpiry, 3_600_000_000n);
    assert.equal(config.system.topic.maxSize, 10_000_000_000n);
    assert.equal(config.system.encryption.key, "", "an empty value is ignored");
    assert.equal(config.system.path, "12345", "a string key keeps the text");
  });
});

Deno.test("loadConfig() reads arrays of scalars in bracket syntax", async () => {
  await withTempDir(async (dir) => {
    const { config } = await load(dir, {
      env: {
        IGGY_HTTP_CORS_ALLOWED_ORIGINS: '[http://a.com, "http://b.com"]',
        IGGY_HTTP_CORS_ALLOWED_METHODS: '["GET", "PATCH"]',
        IGGY_HTTP_JWT_VALID_AUDIENCES: '["x, y", z]',
        IGGY_HTTP_CORS_EXPOSED_HEADERS: "[]",
      },
    });
    assert.deepEqual(config.http.cors.allowedOrigins, [
      "http://a.com",
      "http://b.com",
    ]);
    assert.deepEqual(config.http.cors.allowedMethods, ["GET", "PATCH"]);
    assert.deepEqual(config.http.jwt.validAudiences, ["x, y", "z"]);
    assert.deepEqual(config.http.cors.exposedHeaders, []);
  });
});

Deno.test("loadConfig() builds arrays of tables from indexed variables, replacing the file's", async () => {
  await withTempDir(async (dir) => {
    const { config } = await load(dir, {
      env: {
        IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_ISSUER: "ext",
        IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_AUDIENCE: "aud",
        IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_JWKS_URL:
          "http://127.0.0.1:1/jwks.json",
        IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_USER_ID: "7",
        IGGY_CLUSTER_NODE_OTHERS_0_NAME: "peer",
        IGGY_CLUSTER_NODE_OTHERS_0_IP: "10.0.0.2",
        IGGY_CLUSTER_NODE_OTHERS_0_PORTS_TCP: "9090",
      },
    });
    assert.deepEqual(config.http.jwt.trustedIssuers, [
      {
        issuer: "ext",
        audience: "aud",
        jwksUrl: "http://127.0.0.1:1/jwks.json",
        userId: 7,
      },
    ]);
    assert.deepEqual(config.cluster.node.others, [{
      name: "peer",
      ip: "10.0.0.2",
      ports: { tcp: 9090 },
    }]);
  });
});

Deno.test("loadConfig() warns about unknown IGGY_* variables with suggestions", async () => {
  await withTempDir(async (dir) => {
    const { config, warnings } = await load(dir, {
      env: {
        IGGY_TCP_ADRESS: "127.0.0.1:1",
        IGGY_ROOT_USERNAME: "admin",
        IGGY_ROOT_PASSWORD: "secret",
        IGGY_CONNECTORS_SINK_X_ENABLED: "true",
        IGGY_TEST_VERBOSE: "1",
        PATH: "/bin",
      },
    });
    assert.equal(config.tcp.address, "127.0.0.1:8090");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /Unknown environment variable "IGGY_TCP_ADRESS".*did you mean IGGY_TCP_ADDRESS/,
    );
  });
});

Deno.test("loadConfig() warns about unknown keys in the file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "c.toml"), '[tcp]\nadress = "x"\n');
    const { warnings } = await load(dir, { path: "c.toml" });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"tcp\.adress".*did you mean "address"/);
  });
});

Deno.test("loadConfig() rejects a segment size above 1 GiB", async () => {
  await withTempDir(async (dir) => {
    const error = await loadError(dir, {
      env: { IGGY_SYSTEM_SEGMENT_SIZE: "2 GiB" },
    });
    assert.equal(error.key, "system.segment.size");
    assert.equal(error.value, "2 GiB");
    assert.match(
      error.message,
      /"system\.segment\.size" = "2 GiB" \(from env IGGY_SYSTEM_SEGMENT_SIZE\): must be at most 1 GiB/,
    );
  });
});

Deno.test("loadConfig() rejects a segment size that is not a multiple of 512", async () => {
  await withTempDir(async (dir) => {
    const error = await loadError(dir, {
      env: { IGGY_SYSTEM_SEGMENT_SIZE: "1000" },
    });
    assert.equal(error.key, "system.segment.size");
    assert.match(error.message, /multiple of 512/);
  });
});

Deno.test("loadConfig() rejects a max topic size below the segment size", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "c.toml"),
      '[system.topic]\nmax_size = "1 MB"\n',
    );
    const error = await loadError(dir, { path: "c.toml" });
    assert.equal(error.key, "system.topic.max_size");
    assert.match(
      error.message,
      /"1 MB" \(from file .*c\.toml\): must be at least system\.segment\.size/,
    );
  });
});

Deno.test("loadConfig() rejects server_default topic expiry and max size", async () => {
  await withTempDir(async (dir) => {
    const expiry = await loadError(dir, {
      env: { IGGY_SYSTEM_TOPIC_MESSAGE_EXPIRY: "server_default" },
    });
    assert.equal(expiry.key, "system.topic.message_expiry");
    assert.match(expiry.message, /cannot be server_default/);
    const size = await loadError(dir, {
      env: { IGGY_SYSTEM_TOPIC_MAX_SIZE: "server_default" },
    });
    assert.equal(size.key, "system.topic.max_size");
    const token = await loadError(dir, {
      env: { IGGY_HTTP_JWT_ACCESS_TOKEN_EXPIRY: "default" },
    });
    assert.equal(token.key, "http.jwt.access_token_expiry");
    await load(dir, {
      env: {
        IGGY_HTTP_JWT_ACCESS_TOKEN_EXPIRY: "default",
        IGGY_HTTP_ENABLED: "false",
      },
    });
  });
});

Deno.test("loadConfig() rejects values of the wrong type or format, naming the key", async () => {
  await withTempDir(async (dir) => {
    const bool = await loadError(dir, { env: { IGGY_TCP_ENABLED: "yes" } });
    assert.equal(bool.key, "tcp.enabled");
    assert.match(bool.message, /expected true or false/);
    const duration = await loadError(dir, {
      env: { IGGY_HEARTBEAT_INTERVAL: "5 parsecs" },
    });
    assert.equal(duration.key, "heartbeat.interval");
    assert.match(duration.message, /unknown time unit "parsecs"/);
    const size = await loadError(dir, {
      env: { IGGY_HTTP_MAX_REQUEST_SIZE: "big" },
    });
    assert.equal(size.key, "http.max_request_size");
    const address = await loadError(dir, {
      env: { IGGY_TCP_ADDRESS: "localhost" },
    });
    assert.equal(address.key, "tcp.address");
    const cache = await loadError(dir, {
      env: { IGGY_SYSTEM_SEGMENT_CACHE_INDEXES: "some" },
    });
    assert.equal(cache.key, "system.segment.cache_indexes");
  });
});

Deno.test("loadConfig() validates the rules of config.md §4 and §5", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, string>, string][] = [
      [
        { IGGY_PERSONAL_ACCESS_TOKEN_MAX_TOKENS_PER_USER: "0" },
        "personal_access_token.max_tokens_per_user",
      ],
      [
        { IGGY_DATA_MAINTENANCE_MESSAGES_INTERVAL: "0" },
        "data_maintenance.messages.interval",
      ],
      [{ IGGY_SYSTEM_LOGGING_RETENTION: "500ms" }, "system.logging.retention"],
      [
        { IGGY_SYSTEM_LOGGING_MAX_TOTAL_SIZE: "1 MB" },
        "system.logging.max_total_size",
      ],
      [{ IGGY_SYSTEM_MEMORY_POOL_SIZE: "256 MiB" }, "system.memory_pool.size"],
      [
        { IGGY_SYSTEM_MEMORY_POOL_BUCKET_CAPACITY: "1000" },
        "system.memory_pool.bucket_capacity",
      ],
      [{ IGGY_HTTP_JWT_ALGORITHM: "none" }, "http.jwt.algorithm"],
      [
        { IGGY_HTTP_CORS_ALLOWED_METHODS: "[GET, FETCH]" },
        "http.cors.allowed_methods[1]",
      ],
      [{
        IGGY_SYSTEM_ENCRYPTION_ENABLED: "true",
        IGGY_SYSTEM_ENCRYPTION_KEY: "c2hvcnQ=",
      }, "system.encryption.key"],
      [
        { IGGY_TELEMETRY_ENABLED: "true", IGGY_TELEMETRY_SERVICE_NAME: " " },
        "telemetry.service_name",
      ],
      [{
        IGGY_CLUSTER_ENABLED: "true",
        IGGY_CLUSTER_NODE_OTHERS_0_NAME: "iggy-node-1",
        IGGY_CLUSTER_NODE_OTHERS_0_IP: "::1",
      }, "cluster.node.others[0].name"],
      [
        { IGGY_SYSTEM_SHARDING_CPU_ALLOCATION: "0" },
        "system.sharding.cpu_allocation",
      ],
      [
        { IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE: "0" },
        "system.partition.messages_required_to_save",
      ],
    ];
    for (const [env, key] of cases) {
      const error = await loadError(dir, { env });
      assert.equal(error.key, key, JSON.stringify(env));
    }
  });
});

Deno.test("loadConfig() masks secrets in errors", async () => {
  await withTempDir(async (dir) => {
    const error = await loadError(dir, {
      env: {
        IGGY_SYSTEM_ENCRYPTION_ENABLED: "true",
        IGGY_SYSTEM_ENCRYPTION_KEY: "my-precious",
      },
    });
    assert.equal(error.key, "system.encryption.key");
    assert.doesNotMatch(error.message, /my-precious/);
    assert.equal(error.value, "******");
  });
});

Deno.test("loadConfig() accepts a valid encryption key", async () => {
  await withTempDir(async (dir) => {
    const key = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
    const { config } = await load(dir, {
      env: {
        IGGY_SYSTEM_ENCRYPTION_ENABLED: "true",
        IGGY_SYSTEM_ENCRYPTION_KEY: key,
      },
    });
    assert.deepEqual(config.system.encryption, { enabled: true, key });
    assert.doesNotMatch(displayConfig(config), new RegExp(key.slice(0, 10)));
  });
});

Deno.test("loadConfig() reports TOML syntax errors with the file name", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "bad.toml"), "[tcp\n");
    const error = await loadError(dir, { path: "bad.toml" });
    assert.match(error.message, /Cannot parse config file ".*bad\.toml"/);
  });
});

Deno.test("configEnvNames() lists the schema's variables", () => {
  const names = configEnvNames();
  assert.ok(names.includes("IGGY_TCP_ADDRESS"));
  assert.ok(names.includes("IGGY_SYSTEM_SEGMENT_SIZE"));
  assert.ok(names.includes("IGGY_HTTP_JWT_ACCESS_TOKEN_EXPIRY"));
  assert.ok(names.includes("IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_ISSUER"));
  assert.ok(names.includes("IGGY_CLUSTER_NODE_OTHERS_0_PORTS_TCP"));
  assert.ok(names.includes("IGGY_WEBSOCKET_MAX_FRAME_SIZE"));
  assert.ok(!names.includes("IGGY_CLUSTER_NODE_OTHERS_1_PORTS_TCP"));
});

Deno.test("parseAddress() splits IPv4, IPv6 and host names", () => {
  assert.deepEqual(parseAddress("127.0.0.1:8090"), {
    hostname: "127.0.0.1",
    port: 8090,
  });
  assert.deepEqual(parseAddress("[::1]:0"), { hostname: "::1", port: 0 });
  assert.deepEqual(parseAddress("localhost:3000"), {
    hostname: "localhost",
    port: 3000,
  });
  assert.throws(() => parseAddress("::1:80"), RangeError);
  assert.throws(() => parseAddress("127.0.0.1"), RangeError);
  assert.throws(() => parseAddress("127.0.0.1:70000"), RangeError);
});

Deno.test("loadConfig() reads system.cache.size, 64 MiB by default", async () => {
  await withTempDir(async (dir) => {
    assert.equal((await load(dir)).config.system.cache.size, 64 * 1024 * 1024);
    const { config } = await load(dir, {
      env: { IGGY_SYSTEM_CACHE_SIZE: "512 KiB" },
    });
    assert.equal(config.system.cache.size, 512 * 1024);
    const error = await loadError(dir, {
      env: { IGGY_SYSTEM_CACHE_SIZE: "lots" },
    });
    assert.equal(error.key, "system.cache.size");
  });
});

Deno.test("loadConfig() rejects an unbounded deduplication window and bad expiry or size strings", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, string>, string][] = [
      [{
        IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED: "true",
        IGGY_SYSTEM_MESSAGE_DEDUPLICATION_MAX_ENTRIES: "0",
        IGGY_SYSTEM_MESSAGE_DEDUPLICATION_EXPIRY: "0",
      }, "system.message_deduplication.max_entries"],
      [
        { IGGY_SYSTEM_TOPIC_MESSAGE_EXPIRY: "soon" },
        "system.topic.message_expiry",
      ],
      [{ IGGY_SYSTEM_TOPIC_MAX_SIZE: "big" }, "system.topic.max_size"],
      [{ IGGY_SYSTEM_SEGMENT_SIZE: "1 parsec" }, "system.segment.size"],
    ];
    for (const [env, key] of cases) {
      const error = await loadError(dir, { env });
      assert.equal(error.key, key, JSON.stringify(env));
    }
    const { config } = await load(dir, {
      env: {
        IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED: "true",
        IGGY_SYSTEM_MESSAGE_DEDUPLICATION_MAX_ENTRIES: "0",
      },
    });
    assert.equal(config.system.messageDeduplication.expiry, 60_000);
  });
});
