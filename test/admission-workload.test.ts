// The workload rules judge the manifest Kubernetes is admitting: the admission webhook
// puts the pod spec of the reviewed object into evidence.workload, and DFW-WORKLOAD-001..006
// read it through the real policy (a restricted variant of the same Deployment passes them).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { CheckRequest } from '../src/collect/check-request.js';
import { createCheckService, type CheckService } from '../src/decide/index.js';
import { ActivePolicy, type Decision } from '../src/engine/index.js';
import { createEnvironmentMapper, decideAdmission, type AdmissionDeps } from '../src/integrations/kubernetes/index.js';
import { createLogger } from '../src/shared/logger.js';
import { loadTestEvaluator } from './helpers/bundle.js';
import { readReview, variant, type ReviewJson } from './helpers/k8s-admission.js';

const DEPLOYMENT = 'kube-review-deployment-v1-request.json';
const WORKLOAD_RULES = ['DFW-WORKLOAD-001', 'DFW-WORKLOAD-002', 'DFW-WORKLOAD-003', 'DFW-WORKLOAD-004', 'DFW-WORKLOAD-005', 'DFW-WORKLOAD-006'];

interface Ctx {
  checks: CheckService;
}

const Admission = suite<Ctx>('admission: evidence.workload from the admitted manifest');

Admission.before(async (ctx) => {
  const policy = new ActivePolicy();
  policy.activate(await loadTestEvaluator({ revision: 'admission-workload' }));
  ctx.checks = createCheckService(policy, { clock: () => new Date('2026-11-28T14:00:00Z') });
});

async function admit(checks: CheckService, review: ReviewJson): Promise<{ requests: CheckRequest[]; decisions: Decision[] }> {
  const requests: CheckRequest[] = [];
  const decisions: Decision[] = [];
  const recording: CheckService = {
    async check(request, context) {
      requests.push(structuredClone(request));
      const outcome = await checks.check(request, context);
      decisions.push(outcome.decision);
      return outcome;
    },
  };
  const deps: AdmissionDeps = {
    checks: recording,
    logger: createLogger('error', () => {}),
    environmentFor: createEnvironmentMapper({ namespaces: { payments: 'production' } }),
  };
  await decideAdmission(review as never, deps);
  return { requests, decisions };
}

function workloadMessages(decision: Decision): string[] {
  return [...Object.values(decision.deny), ...Object.values(decision.warn)].flat().filter((v) => WORKLOAD_RULES.includes(v.rule)).map((v) => `${v.rule}: ${v.message}`).sort();
}

Admission('the Deployment\'s pod template reaches the policy and fails the restricted profile where it should', async ({ checks }) => {
  const review = variant(readReview(DEPLOYMENT), (r) => (r.request.namespace = 'payments'));
  const { requests, decisions } = await admit(checks, review);
  assert.is(requests.length, 1);
  const template = (review.request.object as { spec: { template: { spec: unknown } } }).spec.template.spec;
  assert.equal(requests[0]!.evidence, { workload: { kind: 'Deployment', namespace: 'payments', name: 'nginx', pod_spec: template } });
  assert.equal(workloadMessages(decisions[0]!), [
    'DFW-WORKLOAD-001: container nginx of Deployment payments/nginx does not set allowPrivilegeEscalation: false',
    'DFW-WORKLOAD-002: container nginx of Deployment payments/nginx may run as root: runAsNonRoot is not true',
    'DFW-WORKLOAD-004: container nginx of Deployment payments/nginx does not drop ALL capabilities',
    'DFW-WORKLOAD-005: container nginx of Deployment payments/nginx sets no cpu limit',
    'DFW-WORKLOAD-005: container nginx of Deployment payments/nginx sets no memory limit',
    'DFW-WORKLOAD-006: container nginx of Deployment payments/nginx has a writable root filesystem',
  ]);
});

Admission('the same Deployment hardened to the restricted profile passes every workload rule', async ({ checks }) => {
  const review = variant(readReview(DEPLOYMENT), (r) => {
    r.request.namespace = 'payments';
    const spec = (r.request.object as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    spec.securityContext = { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } };
    spec.containers = [{
      name: 'nginx', image: 'nginx', ports: [{ containerPort: 8080 }],
      resources: { limits: { cpu: '500m', memory: '128Mi' } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    }];
  });
  const { decisions } = await admit(checks, review);
  assert.is(decisions.length, 1);
  assert.equal(workloadMessages(decisions[0]!), []);
});

Admission.run();
