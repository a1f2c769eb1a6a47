// Compliance: reports per framework control, and deploy-freeze calendars (./freeze).
export { findFramework, frameworkIds } from './frameworks.js';
export { buildComplianceReport, type ComplianceReport, type ReportCatalog, type ReportInput, type ReportWaiver } from './report.js';
export { activityFromDecisions, type DecisionSummaryLike } from './activity.js';
export { renderReport, renderMarkdown, renderCsv, REPORT_FORMATS, CSV_COLUMNS, type ReportFormat } from './render.js';
