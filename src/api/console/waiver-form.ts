// Granting a waiver from the console form, under the API's rules: the approver is the
// signed-in admin, never someone the form names; the requester must be someone else
// (separation of duties, compared as identities: trimmed, NFKC, case-folded); the expiry is in the future and within waivers.max_days.
import { DIGEST } from '../../collect/image-reference.js';
import { identityProblem, sameIdentity } from '../../shared/identity.js';
import type { Store } from '../../store/types.js';
import type { WaiverForm } from './pages/waivers.js';
import { fromLocalInput } from './times.js';

const DAY_MS = 86_400_000;
const TEXT_FIELDS = ['rule', 'application', 'environment', 'artifact_digest', 'reason', 'ticket', 'requested_by', 'expires_at'] as const;

export type GrantResult = { ok: true } | { ok: false; status: 400 | 403; message: string; form: WaiverForm };

export async function grantWaiver(store: Pick<Store, 'createWaiver'>, body: Record<string, unknown>, context: { approver: string; now: Date; maxDays: number }): Promise<GrantResult> {
  const form: WaiverForm = {};
  for (const key of TEXT_FIELDS) {
    const value = body[key];
    if (typeof value === 'string' && value.trim() !== '') form[key] = value.trim();
  }
  const missing = (['rule', 'application', 'environment', 'reason', 'requested_by', 'expires_at'] as const).filter((k) => !form[k]);
  if (missing.length) return { ok: false, status: 400, message: `Fill in: ${missing.join(', ')}.`, form };
  if (form.artifact_digest && !DIGEST.test(form.artifact_digest)) return { ok: false, status: 400, message: 'The image digest must look like sha256:<64 hex digits>.', form };
  const expires = fromLocalInput(form.expires_at);
  if (!expires) return { ok: false, status: 400, message: 'The expiry is not a date and time.', form };
  if (expires.getTime() <= context.now.getTime()) return { ok: false, status: 400, message: 'The expiry must be in the future.', form };
  if (expires.getTime() - context.now.getTime() > context.maxDays * DAY_MS) return { ok: false, status: 400, message: `A waiver may last at most ${context.maxDays} days (waivers.max_days).`, form };
  const problem = identityProblem(form.requested_by!);
  if (problem) return { ok: false, status: 400, message: `Requested by: ${problem}.`, form };
  if (sameIdentity(form.requested_by!, context.approver)) {
    return { ok: false, status: 403, message: `${context.approver} cannot approve a waiver they requested: another admin must approve it.`, form };
  }
  await store.createWaiver({
    rule: form.rule!,
    application: form.application!,
    environment: form.environment!,
    ...(form.artifact_digest ? { artifact_digest: form.artifact_digest } : {}),
    reason: form.reason!,
    ...(form.ticket ? { ticket: form.ticket } : {}),
    requested_by: form.requested_by!,
    approved_by: context.approver,
    expires_at: expires,
  });
  return { ok: true };
}
