import assert from "node:assert/strict";
import {
  configEnvNames,
  ConfigError,
  DEFAULT_CONFIG_TOML,
  defaultConfig,
  loadConfig,
  type ServerConfig,
} from "../../server/config.ts";
import {
  assertSupportedConfig,
  FIXED_KEYS,
} from "../../server/config_support.ts";
import { withTempDir } from "../_temp_dir.ts";

function load(dir: string, env: Record<string, string>): Promise<ServerConfig> {
  return loadConfig({ env, cwd: dir, onWarning: () => {} });
}

function unsupported(config: ServerConfig): ConfigError {
  try {
    assertSupportedConfig(config);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("assertSupportedConfig() accepts the defaults, also written out in a 0.8.0-style file", async () => {
  assertSupportedConfig(defaultConfig());
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/full.toml`, DEFAULT_CONFIG_TOML);
    assertSupportedConfig(
      await loadConfig({ path: `${dir}/full.toml`, cwd: dir, env: {} }),
    );
  });
});

Deno.test("assertSupportedConfig() refuses a non-default value of a fixed key, naming the key", async () => {
  await withTempDir(async (dir) => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ IGGY_HTTP_WEB_UI: "true" }, "http.web_ui", /web UI is not bundled/],
      [
        { IGGY_TELEMETRY_ENABLED: "true" },
        "telemetry.logs.transport",
        /"grpc": only "http" \(OTLP\/HTTP\) export is implemented/,
      ],
      [
        {
          IGGY_TELEMETRY_ENABLED: "true",
          IGGY_TELEMETRY_LOGS_TRANSPORT: "http",
          IGGY_TELEMETRY_TRACES_TRANSPORT: "http",
          IGGY_TELEMETRY_TRACES_ENDPOINT: "collector:4318",
        },
        "telemetry.traces.endpoint",
        /expected an http\(s\) URL/,
      ],
      [
        { IGGY_SYSTEM_MEMORY_POOL_ENABLED: "false" },
        "system.memory_pool.enabled",
        /no pooled allocator.*default \(true\)/,
      ],
      [
        { IGGY_QUIC_INITIAL_MTU: "1200" },
        "quic.initial_mtu",
        /= 1200: Deno's QUIC endpoint/,
      ],
      [
        { IGGY_WEBSOCKET_MAX_FRAME_SIZE: "1 MiB" },
        "websocket.max_frame_size",
        /default \(unset\)/,
      ],
      [
        {
          IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_ISSUER: "ext",
          IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_AUDIENCE: "aud",
          IGGY_HTTP_JWT_TRUSTED_ISSUERS_0_JWKS_URL: "http://127.0.0.1:1/jwks",
        },
        "http.jwt.trusted_issuers",
        /external issuers/,
      ],
      [
        { IGGY_SYSTEM_SEGMENT_CACHE_INDEXES: "none" },
        "system.segment.cache_indexes",
        /"none".*every segment/,
      ],
    ];
    for (const [env, key, message] of cases) {
      const error = unsupported(await load(dir, env));
      assert.equal(error.key, key, JSON.stringify(env));
      assert.match(
        error.message,
        new RegExp(`"${key.replaceAll(".", "\\.")}"`),
      );
      assert.match(error.message, message);
    }
  });
});

Deno.test("assertSupportedConfig() accepts the extra values a fixed key allows", async () => {
  await withTempDir(async (dir) => {
    assertSupportedConfig(
      await load(dir, { IGGY_SYSTEM_SEGMENT_CACHE_INDEXES: "all" }),
    );
  });
});

Deno.test("FIXED_KEYS names keys of the schema", () => {
  const names = configEnvNames();
  for (const { key } of FIXED_KEYS) {
    const env = `IGGY_${key.toUpperCase().replaceAll(".", "_")}`;
    assert.ok(
      names.includes(env) || names.some((n) => n.startsWith(`${env}_0_`)),
      key,
    );
  }
});

Deno.test("loadConfig() validates system.logging.level directives and system.logging.format", async () => {
  await withTempDir(async (dir) => {
    const config = await load(dir, {
      IGGY_SYSTEM_LOGGING_LEVEL: "warn,tcp=debug",
      IGGY_SYSTEM_LOGGING_FORMAT: "json",
    });
    assert.equal(config.system.logging.level, "warn,tcp=debug");
    assert.equal(config.system.logging.format, "json");
    assert.equal(defaultConfig().system.logging.format, "plain");
    for (
      const [env, key, message] of [
        [
          { IGGY_SYSTEM_LOGGING_LEVEL: "loud" },
          "system.logging.level",
          /"loud"/,
        ],
        [
          { IGGY_SYSTEM_LOGGING_LEVEL: "info,tcp=chatty" },
          "system.logging.level",
          /"tcp=chatty"/,
        ],
        [
          { IGGY_SYSTEM_LOGGING_FORMAT: "xml" },
          "system.logging.format",
          /"plain", "json"/,
        ],
      ] as const
    ) {
      await assert.rejects(load(dir, env), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, key);
        assert.match(error.message, message);
        return true;
      });
    }
  });
});
