// "did you mean" for a misspelled dfw.yaml key: the closest key the schema allows at that
// place, by edit distance, when it is close enough to be the likely intent.

/** Edit distance where an insertion, deletion, substitution or swap of two neighbours costs 1 ("prot" -> "port" is 1). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean "port"?)`, or '' when no allowed key is close. */
export function suggestKey(unknown: string, schema: unknown): string {
  const properties = (schema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!properties) return '';
  // Up to a third of the name may differ: "prot" -> "port", not "log" -> "tokens".
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  let best: { key: string; d: number } | undefined;
  for (const key of Object.keys(properties)) {
    const d = distance(unknown.toLowerCase(), key.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { key, d };
  }
  return best ? ` (did you mean "${best.key}"?)` : '';
}
