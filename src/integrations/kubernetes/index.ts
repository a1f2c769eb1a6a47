// The Kubernetes validating admission webhook: routes, decisions, TLS listener.
export { admissionRoutes, admissionDeadlineMs, parseGoDuration, ADMISSION_PATH, DEFAULT_ADMISSION_MAX_BODY_BYTES, type AdmissionRouteDeps } from './routes.js';
export { decideAdmission, DEFAULT_ADMISSION_TIMEOUT_MS, type AdmissionDeps, type AdmissionOutcome } from './review.js';
export { ADMISSION_CALLER } from './image-check.js';
export {
  parseAdmissionReview,
  admissionReviewResponse,
  AdmissionReviewError,
  ADMISSION_API_VERSIONS,
  type AdmissionReview,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReviewResponse,
  type AdmissionApiVersion,
} from './admission-review.js';
export { createEnvironmentMapper, ENVIRONMENT_LABEL, type EnvironmentFor, type EnvironmentMapping, type NamespaceLabelLookup } from './environment.js';
export { readWorkload, workloadIdentity, ADMITTED_RESOURCES, UnsupportedKindError, type Workload, type WorkloadImage } from './workload.js';
export { limitWarnings, denialMessage, WARNING_MAX_CHARS, WARNINGS_TOTAL_MAX_CHARS, STATUS_MESSAGE_MAX_CHARS, type ImageVerdict } from './messages.js';
export { createNamespaceLabelLookup, type NamespaceLabelOptions } from './namespace-labels.js';
export { createAdmissionTlsServer, DEFAULT_TLS_RELOAD_INTERVAL_MS, TlsConfigError, type AdmissionTlsOptions, type AdmissionTlsServer, type ServedCertificate } from './tls.js';
