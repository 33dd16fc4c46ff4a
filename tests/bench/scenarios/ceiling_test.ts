import assert from "node:assert/strict";
import {
  type CeilingFigures,
  ceilingRatios,
  median,
  medianFigures,
} from "../../../bench/scenarios/ceiling.ts";

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([9, 5, 7, 6]), 6.5);
  assert.equal(median([4]), 4);
});

Deno.test("median() skips values that are not finite", () => {
  assert.equal(median([NaN, 2, Infinity, 4]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([NaN])));
});

function figures(
  send: number,
  poll: number,
  p99: number,
): Omit<CeilingFigures, "ratios"> {
  return {
    send: { iggyMBps: send, bareLogMBps: 1000, rawTcpMBps: 2000 },
    poll: { iggyMBps: poll, bareLogMBps: 2000, rawTcpMBps: 1000 },
    singleMessageSend: { iggyP99Ms: p99, rawRoundTripP99Ms: 0.1 },
  };
}

Deno.test("ceilingRatios() divides iggy's figures by the floors'", () => {
  const ratios = ceilingRatios(figures(700, 1800, 0.25));
  assert.equal(ratios.sendVsBareLog, 0.7);
  assert.equal(ratios.sendVsRawTcp, 0.35);
  assert.equal(ratios.pollVsBareLog, 0.9);
  assert.equal(ratios.pollVsRawTcp, 1.8);
  assert.equal(ratios.singleSendP99VsRawRoundTrip, 2.5);
  const zero = figures(700, 1800, 0.25);
  zero.send.bareLogMBps = 0;
  assert.ok(Number.isNaN(ceilingRatios(zero).sendVsBareLog));
});

Deno.test("medianFigures() takes the median of each figure and of each ratio", () => {
  const rounds = [
    figures(500, 1800, 0.3),
    figures(900, 1000, 0.2),
    figures(700, 1900, 0.9),
  ].map((f) => ({ ...f, ratios: ceilingRatios(f) }));
  const m = medianFigures(rounds);
  assert.deepEqual(m.send, {
    iggyMBps: 700,
    bareLogMBps: 1000,
    rawTcpMBps: 2000,
  });
  assert.equal(m.poll.iggyMBps, 1800);
  assert.equal(m.singleMessageSend.iggyP99Ms, 0.3);
  assert.equal(m.ratios.sendVsBareLog, 0.7);
  assert.equal(m.ratios.pollVsBareLog, 0.9);
  assert.ok(Math.abs(m.ratios.singleSendP99VsRawRoundTrip - 3) < 1e-9);
});
