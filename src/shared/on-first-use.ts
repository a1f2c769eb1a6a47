// Work done on a module's first use rather than when it is imported: Ajv compiles a JSON
// Schema to code in 50–300 ms, which a module that only might validate (dfw.yaml, a freeze
// calendar, a policy repository's files) should not cost whoever imports it.

/** A function that makes its value on the first call and returns that same value after. */
export function onFirstUse<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
