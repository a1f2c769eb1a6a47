// GET /v1/decisions/{id}/attestation: dfw's signed verdict on an allowed deployment, a SLSA
// Verification Summary Attestation in a DSSE envelope (src/decide/attestation.ts), signed
// when asked for from the recorded decision, so every allowed decision in the log has one.
import { Hono } from 'hono';
import { buildVerificationSummary, verifiedDecisionOf, type AttestationSigner } from '../../decide/attestation.js';
import type { Store } from '../../store/types.js';
import { NotFoundError, UnavailableError } from '../../shared/errors.js';
import { requireRole, type ApiToken, type Caller } from '../auth.js';

export function attestationRoutes(deps: { tokens: ApiToken[]; store: Store; signer?: AttestationSigner }) {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  app.get('/v1/decisions/:id/attestation', requireRole(deps.tokens, 'admin'), async (c) => {
    const record = await deps.store.getDecision(c.req.param('id'));
    if (!record) throw new NotFoundError('decision_not_found', `no decision with id ${c.req.param('id')}`);
    const decision = verifiedDecisionOf(record);
    // Refuses a denied decision (409) before asking for a key it would not need.
    buildVerificationSummary(decision);
    if (!deps.signer) throw new UnavailableError('attestation_not_configured', 'dfw has no attestation.signing_key, so it cannot sign verification summaries');
    return c.json(deps.signer.sign(decision), 200, { 'content-type': 'application/vnd.dsse.envelope.v1+json' });
  });
  return app;
}
