// The change collector: evidence.change_ticket for the ticket the request names, from
// ServiceNow (CHG0012345) or Jira (OPS-123), chosen by the shape of the id.
import type { EvidenceKind } from '../../evidence/types.js';
import { unavailableFor, type Collector, type CollectorResult } from '../collector.js';
import { readJiraIssue } from './change-jira.js';
import { ServiceNowClient } from './change-servicenow.js';
import { CollectorConfigError, normalizeBaseUrl, reasonFor } from './http.js';
import { allInline, configPattern, positiveInteger } from './options.js';
import type { ChangeCollectorConfig } from './change-config.js';

export type { JiraConfig } from './change-jira.js';
export type { ServiceNowConfig } from './change-servicenow.js';
export type { ChangeTicket } from './change-ticket.js';
export type { ChangeCollectorConfig } from './change-config.js';

const KINDS: readonly EvidenceKind[] = ['change_ticket'];
const SERVICENOW_ID = /^CHG\d+$/;
const JIRA_KEY = /^[A-Z][A-Z0-9_]+-\d+$/;
/** Ids go into a ServiceNow encoded query and a Jira path: nothing that could change their meaning. */
const SAFE_ID = /^[A-Za-z0-9_.-]{1,100}$/;

export function createChangeCollector(config: ChangeCollectorConfig): Collector {
  if (!config?.servicenow && !config?.jira) throw new CollectorConfigError('change: configure servicenow, jira or both');
  const servicenow = config.servicenow && { ...config.servicenow, base_url: normalizeBaseUrl(config.servicenow.base_url, 'change.servicenow.base_url') };
  const jira = config.jira && { ...config.jira, base_url: normalizeBaseUrl(config.jira.base_url, 'change.jira.base_url') };
  const servicenowId = configPattern(config.servicenow?.ticket_pattern, SERVICENOW_ID, 'change.servicenow.ticket_pattern');
  const jiraKey = configPattern(config.jira?.ticket_pattern, JIRA_KEY, 'change.jira.ticket_pattern');
  if (config.default_system && !config[config.default_system]) throw new CollectorConfigError(`change.default_system: ${config.default_system} is not configured`);
  const timeoutMs = positiveInteger(config.timeout_ms, 10_000, 'change.timeout_ms');
  const cacheTtlMs = positiveInteger(config.cache_ttl_ms, 30_000, 'change.cache_ttl_ms', 0);

  /** Which system holds a ticket: its id's shape, else the default; a reason when neither. */
  const systemFor = (id: string): 'servicenow' | 'jira' | string => {
    if (servicenowId.test(id)) return servicenow ? 'servicenow' : `change ticket ${id} looks like a ServiceNow change, but no ServiceNow instance is configured`;
    if (jiraKey.test(id)) return jira ? 'jira' : `change ticket ${id} looks like a Jira issue key, but no Jira is configured`;
    return config.default_system ?? `change ticket ${id} is neither a ServiceNow change number (CHG0012345) nor a Jira issue key (OPS-123)`;
  };

  return {
    name: 'change',
    kinds: KINDS,
    timeoutMs,
    cacheTtlMs,
    cacheKey({ request }) {
      if (allInline(request, KINDS)) return null;
      if (config.environments && !config.environments.includes(request.environment)) return null;
      return request.change_ticket ?? '';
    },
    async collect({ request, signal }): Promise<CollectorResult> {
      const fail = (reason: string): CollectorResult => unavailableFor(['change_ticket'], reason);
      const id = request.change_ticket?.trim();
      if (!id) return fail('the request names no change ticket');
      if (!SAFE_ID.test(id)) return fail(`change ticket "${id}" is not a ticket id (letters, digits, "-", "_", ".")`);
      const system = systemFor(id);
      try {
        if (system === 'servicenow') return { evidence: { change_ticket: await new ServiceNowClient(servicenow!, signal).readChange(id) }, unavailable: {} };
        if (system === 'jira') return { evidence: { change_ticket: await readJiraIssue(jira!, id, signal) }, unavailable: {} };
      } catch (err) {
        return fail(reasonFor(system === 'jira' ? 'Jira' : 'ServiceNow', err));
      }
      return fail(system);
    },
  };
}
