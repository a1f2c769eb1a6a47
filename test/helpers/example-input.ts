// The input document as `dfw serve` builds it for a check request: buildInput, then the
// request's inline signatures and attestations verified by the Node host's verifier (the
// embedded example keys), as CollectorRunner does before anything is evaluated. Tests that
// evaluate examples/*.json directly use this, so the examples' real signatures count.
import { buildInput, type CheckRequest, type InputContext } from '../../src/collect/check-request.js';
import { createInlineVerifier } from '../../src/collect/collectors/index.js';
import { verifyInlineTrust } from '../../src/collect/trust/inline.js';
import type { InputDocument } from '../../src/engine/index.js';

const verifier = createInlineVerifier();

export async function verifiedInput(request: CheckRequest, context: InputContext): Promise<InputDocument> {
  const input = buildInput(request, context);
  await verifyInlineTrust(request.evidence, input, verifier);
  return input;
}
