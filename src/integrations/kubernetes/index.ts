// The Kubernetes validating admission webhook: routes, decisions, TLS listener.
export { admissionRoutes, admissionDeadline, type AdmissionDeadline, type AdmissionRouteDeps } from './routes.js';
export { decideAdmission, type AdmissionDeps, type AdmissionOutcome } from './review.js';
export { type AdmissionReviewResponse } from './admission-review.js';
export { createEnvironmentMapper } from './environment.js';
export { ADMITTED_RESOURCES } from './workload.js';
export { limitWarnings, WARNING_MAX_CHARS, WARNINGS_TOTAL_MAX_CHARS, STATUS_MESSAGE_MAX_CHARS } from './messages.js';
export { createNamespaceLabelLookup } from './namespace-labels.js';
export { createAdmissionTlsServer, type AdmissionTlsServer } from './tls.js';
