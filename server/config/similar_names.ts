/**
 * "Did you mean" suggestions for unknown keys and variables.
 * @module
 */

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + cost,
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to three known names close to `unknown`, nearest first. */
export function similarNames(
  unknown: string,
  known: Iterable<string>,
): string[] {
  const scored: [string, number][] = [];
  for (const name of known) {
    const distance = levenshtein(unknown.toLowerCase(), name.toLowerCase());
    const threshold = Math.max(
      3,
      Math.floor(Math.max(unknown.length, name.length) * 3 / 10),
    );
    if (distance <= threshold) scored.push([name, distance]);
  }
  return scored.sort((a, b) => a[1] - b[1]).slice(0, 3).map(([name]) => name);
}
