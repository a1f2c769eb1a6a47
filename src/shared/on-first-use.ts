// Work done on a module's first use rather than when it is imported. Every `dfw` command
// imports the modules of every other one; Ajv compiling each JSON Schema to code at import
// (50–300 ms apiece) made `dfw --version` take 1.4 s before this.

/** A function that makes its value on the first call and returns that same value after. */
export function onFirstUse<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
