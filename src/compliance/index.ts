// Compliance: reports per framework control, and deploy-freeze calendars (./freeze).
export { FRAMEWORKS, findFramework, frameworkIds, serves, type Framework, type FrameworkControl } from './frameworks.js';
export { buildComplianceReport, type ComplianceReport, type ControlReport, type ReportCatalog, type ReportInput, type ReportRule, type ReportWaiver } from './report.js';
export { activityFromDecisions, type DecisionSummaryLike } from './activity.js';
export { renderReport, renderMarkdown, renderCsv, REPORT_FORMATS, CSV_COLUMNS, type ReportFormat } from './render.js';
