// The input's way into the policy's memory and the result's way out, as the npm SDK's
// evaluate() does for OPA's Wasm ABI 1.2 (input written at the heap's start, one opa_eval
// call, the result read as JSON), without its intermediate buffers. Each fresh buffer the
// size of a large input costs page faults on every check (about 2.8 ms per MB measured on
// the 2-core benchmark machine): the SDK's path takes an ArrayBuffer the caller must
// allocate, and reads the result with a byte-by-byte loop. Here the JSON text is encoded
// straight into the policy's memory, which is reused from one evaluation to the next.
import type { loadPolicy } from '@open-policy-agent/opa-wasm';
import { PolicyLoadError } from './errors.js';

type LoadedPolicy = Awaited<ReturnType<typeof loadPolicy>>;

export const WASM_PAGE_BYTES = 64 * 1024;

/** What the SDK's LoadedPolicy (1.10, pinned) holds after setData; checked once at load. */
interface PolicyState {
  minorVersion: number;
  mem: WebAssembly.Memory;
  wasmInstance: WebAssembly.Instance;
  dataAddr: number;
  dataHeapPtr: number;
}

interface AbiExports {
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLength: number, heap: number, format: number): number;
}

function stateOf(policy: LoadedPolicy): PolicyState {
  const state = policy as unknown as Partial<PolicyState>;
  const abi = state.wasmInstance?.exports as Partial<AbiExports> | undefined;
  if (
    typeof state.minorVersion !== 'number' || state.minorVersion < 2 || !(state.mem instanceof WebAssembly.Memory) ||
    typeof abi?.opa_eval !== 'function' || typeof state.dataAddr !== 'number' || typeof state.dataHeapPtr !== 'number'
  ) {
    throw new PolicyLoadError('policy_abi_unsupported', 'policy.wasm was not loaded with OPA Wasm ABI 1.2 (opa_eval) or the SDK no longer exposes it: rebuild the bundle with a current opa build');
  }
  return state as PolicyState;
}

/**
 * Evaluates `entrypoint` on the JSON text given as pieces, in order: returns the result set as
 * JSON text. memoryBytes is the size the policy's memory has grown to.
 */
export type EvaluateText = ((pieces: readonly string[], entrypoint: number) => string) & { memoryBytes(): number };

/** Checks the loaded policy supports the fast path; throws PolicyLoadError otherwise. */
export function textEvaluator(policy: LoadedPolicy): EvaluateText {
  const state = stateOf(policy);
  const abi = state.wasmInstance.exports as unknown as AbiExports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const evaluate = (pieces: readonly string[], entrypoint: number): string => {
    // The fields are read at every call: setData moves the data and the heap start.
    const { mem } = state;
    const start = state.dataHeapPtr;
    // Three bytes per UTF-16 unit is UTF-8's upper bound; growing past the memory's maximum
    // throws, and the evaluation fails closed.
    const bound = pieces.reduce((n, piece) => n + piece.length * 3, 0);
    const missing = start + bound - mem.buffer.byteLength;
    if (missing > 0) mem.grow(Math.ceil(missing / WASM_PAGE_BYTES));
    let end = start;
    for (const piece of pieces) end += encoder.encodeInto(piece, new Uint8Array(mem.buffer, end)).written;
    const resultAddr = abi.opa_eval(0, entrypoint, state.dataAddr, start, end - start, end, 0);
    const memory = new Uint8Array(mem.buffer);
    const resultEnd = memory.indexOf(0, resultAddr);
    return decoder.decode(memory.subarray(resultAddr, resultEnd < 0 ? memory.length : resultEnd));
  };
  return Object.assign(evaluate, { memoryBytes: () => state.mem.buffer.byteLength });
}
