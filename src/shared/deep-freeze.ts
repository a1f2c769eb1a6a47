/**
 * Freezes a JSON value and everything in it. Cached values are handed to every later check
 * that reads them; a check that changed one would change what the next checks decide on, so
 * an attempt throws (ES modules run in strict mode) instead of passing silently.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
