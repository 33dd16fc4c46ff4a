import assert from "node:assert/strict";
import {
  EXPIRY_NEVER,
  EXPIRY_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_SERVER_DEFAULT,
  MAX_TOPIC_SIZE_UNLIMITED,
  parseByteSize,
  parseByteSizeBig,
  parseDuration,
  parseExpiry,
  parseMaxTopicSize,
  U64_MAX,
} from "../../server/config_values.ts";

const SECOND = 1_000_000;

Deno.test("parseDuration() reads the config.md examples in microseconds", () => {
  assert.equal(parseDuration("500ms"), 500_000);
  assert.equal(parseDuration("5 s"), 5 * SECOND);
  assert.equal(parseDuration("30s"), 30 * SECOND);
  assert.equal(parseDuration("1 m"), 60 * SECOND);
  assert.equal(parseDuration("1 h"), 3600 * SECOND);
  assert.equal(parseDuration("7 days"), 7 * 86_400 * SECOND);
  assert.equal(
    parseDuration("2 days 4 hours 15 minutes"),
    (2 * 86_400 + 4 * 3600 + 15 * 60) * SECOND,
  );
});

Deno.test("parseDuration() maps 0, none, unlimited and disabled to 0", () => {
  for (
    const text of [
      "0",
      "none",
      "unlimited",
      "disabled",
      "None",
      "DISABLED",
      "0 s",
    ]
  ) {
    assert.equal(parseDuration(text), 0, text);
  }
});

Deno.test("parseDuration() is case-insensitive, so M is a minute", () => {
  assert.equal(parseDuration("1 M"), 60 * SECOND);
  assert.equal(parseDuration("1 H"), 3600 * SECOND);
  assert.equal(parseDuration("2 Months"), 2 * 2_630_016 * SECOND);
});

Deno.test("parseDuration() accepts humantime units and spans without spaces", () => {
  assert.equal(parseDuration("1h30min"), 5400 * SECOND);
  assert.equal(parseDuration("1 week"), 604_800 * SECOND);
  assert.equal(parseDuration("1y"), 31_557_600 * SECOND);
  assert.equal(parseDuration("250us"), 250);
  assert.equal(parseDuration("1500ns"), 1);
  assert.equal(parseDuration("2 secs"), 2 * SECOND);
});

Deno.test("parseDuration() rejects bad input", () => {
  for (const text of ["", "5", "5 parsecs", "1.5 s", "s", "-1 s", "1 s x"]) {
    assert.throws(() => parseDuration(text), RangeError, text);
  }
});

Deno.test("parseExpiry() maps the never words to u64::MAX", () => {
  for (
    const text of ["none", "None", "unlimited", "Unlimited", "never_expire"]
  ) {
    assert.equal(parseExpiry(text), EXPIRY_NEVER, text);
  }
  assert.equal(EXPIRY_NEVER, 18446744073709551615n);
});

Deno.test("parseExpiry() maps default and server_default to 0", () => {
  for (
    const text of ["default", "server_default", "Default", "Server_default"]
  ) {
    assert.equal(parseExpiry(text), EXPIRY_SERVER_DEFAULT, text);
  }
});

Deno.test("parseExpiry() reads durations in microseconds, case-sensitively", () => {
  assert.equal(parseExpiry("1 h"), 3_600_000_000n);
  assert.equal(parseExpiry("7 days"), 604_800_000_000n);
  assert.equal(parseExpiry("1 M"), 2_630_016_000_000n);
  assert.equal(parseExpiry("4294967295s"), 4_294_967_295_000_000n);
});

Deno.test("parseExpiry() rejects more than 2^32-1 seconds and bad text", () => {
  assert.throws(() => parseExpiry("4294967296s"), /too big/);
  assert.throws(() => parseExpiry("never"), RangeError);
  assert.throws(() => parseExpiry("0"), RangeError);
});

Deno.test("parseByteSize() reads the config.md examples", () => {
  assert.equal(parseByteSize("2 MB"), 2_000_000);
  assert.equal(parseByteSize("1 GiB"), 1_073_741_824);
  assert.equal(parseByteSize("100 Kb"), 12_500);
  assert.equal(parseByteSize("100 KB"), 100_000);
  assert.equal(parseByteSize("1 KiB"), 1024);
  assert.equal(parseByteSize("1 MiB"), 1_048_576);
  assert.equal(parseByteSize("4 GB"), 4_000_000_000);
  assert.equal(parseByteSize("1 TB"), 1e12);
  assert.equal(parseByteSize("1 TiB"), 2 ** 40);
  assert.equal(parseByteSize("512 B"), 512);
  assert.equal(parseByteSize(4096), 4096);
  assert.equal(parseByteSize("4096"), 4096);
});

Deno.test("parseByteSize() maps 0, unlimited and none to 0", () => {
  for (const text of ["0", "unlimited", "none", "Unlimited", "None"]) {
    assert.equal(parseByteSize(text), 0, text);
  }
});

Deno.test("parseByteSize() allows no space, decimals and bare prefixes", () => {
  assert.equal(parseByteSize("8KB"), 8000);
  assert.equal(parseByteSize("1.5 KiB"), 1536);
  assert.equal(parseByteSize("2.5MB"), 2_500_000);
  assert.equal(parseByteSize("1 K"), 1000);
  assert.equal(parseByteSize("1 Ki"), 1024);
  assert.equal(parseByteSize("1 kB"), 1000);
});

Deno.test("parseByteSize() treats a lower-case b as bits, rounding up", () => {
  assert.equal(parseByteSize("8 b"), 1);
  assert.equal(parseByteSize("9 b"), 2);
  assert.equal(parseByteSize("1 Kib"), 128);
  assert.equal(parseByteSize("1 Mbit"), 125_000);
  assert.equal(parseByteSize("1 kb"), 125);
});

Deno.test("parseByteSize() rejects bad input", () => {
  for (
    const text of [
      "",
      "MB",
      "1 XB",
      "1 iB",
      "-1 MB",
      ".5 MB",
      "1. MB",
      "1 MBs",
      "1 ZB",
    ]
  ) {
    assert.throws(() => parseByteSize(text), RangeError, text);
  }
  assert.throws(() => parseByteSize(-1), RangeError);
  assert.throws(() => parseByteSize(1.5), RangeError);
  assert.throws(() => parseByteSize("16 EiB"), RangeError);
});

Deno.test("parseByteSizeBig() is exact up to u64::MAX", () => {
  assert.equal(parseByteSizeBig("15 EiB"), 15n * 2n ** 60n);
  assert.equal(parseByteSizeBig("18446744073709551615"), U64_MAX);
  assert.throws(() => parseByteSizeBig("18446744073709551616"), RangeError);
});

Deno.test("parseMaxTopicSize() maps unlimited, server_default and sizes", () => {
  assert.equal(parseMaxTopicSize("unlimited"), MAX_TOPIC_SIZE_UNLIMITED);
  assert.equal(MAX_TOPIC_SIZE_UNLIMITED, 18446744073709551615n);
  assert.equal(
    parseMaxTopicSize("server_default"),
    MAX_TOPIC_SIZE_SERVER_DEFAULT,
  );
  assert.equal(parseMaxTopicSize("0"), MAX_TOPIC_SIZE_SERVER_DEFAULT);
  assert.equal(parseMaxTopicSize("10 GB"), 10_000_000_000n);
  assert.equal(parseMaxTopicSize("2 GiB"), 2n ** 31n);
  assert.equal(parseMaxTopicSize(1_000_000), 1_000_000n);
  assert.throws(() => parseMaxTopicSize("lots"), RangeError);
});
