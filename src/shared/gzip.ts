// gzip and gunzip of whole byte arrays through the Web-standard compression streams (Node 20,
// browsers, Workers alike).
async function through(bytes: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform)).arrayBuffer());
}

export const gzip = (bytes: Uint8Array): Promise<Uint8Array> => through(bytes, new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);

/** Rejects on bytes that are not gzip, or are cut short. */
export const gunzip = (bytes: Uint8Array): Promise<Uint8Array> => through(bytes, new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
