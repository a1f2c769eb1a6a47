// A Jira issue as evidence.change_ticket (GET /rest/api/2/issue/{key}): the status mapped
// through configuration, approvers and the change window from configured fields, since
// every Jira names its custom fields differently.
import { basicAuth, CollectorFailure, describeResponse, fetchOrFail, readJson } from './http.js';
import { fromJira, unapprovedState, type ChangeTicket } from './change-ticket.js';

export interface JiraConfig {
  /** https://acme.atlassian.net or https://jira.example.com (a context path is kept). */
  base_url: string;
  /** Jira Cloud: the account's email; Server/Data Center: the user name. */
  username?: string;
  /** Jira Cloud: an API token; Server/Data Center: the password. */
  password?: string;
  /** A personal access token (Server/Data Center), sent as Bearer. */
  token?: string;
  /** Which ticket ids are Jira issues; default ^[A-Z][A-Z0-9_]+-\d+$. */
  ticket_pattern?: string;
  /** Status name (any case) -> state; default {Approved: approved, Done: approved}. Unmapped statuses are reported in lower case. */
  status_map?: Record<string, string>;
  /** Field holding the approvers: a user picker, a list of users or names, or a Jira Service Management approvals field. */
  approver_field?: string;
  /** Date-time (or date) fields that open and close the change window, e.g. customfield_10060. */
  window_start_field?: string;
  window_end_field?: string;
}

const SERVICE = 'Jira';
export const DEFAULT_STATUS_MAP: Record<string, string> = { Approved: 'approved', Done: 'approved' };

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function personName(value: unknown): string | undefined {
  if (typeof value === 'string') return value || undefined;
  const user = object(value);
  for (const key of ['displayName', 'emailAddress', 'name', 'accountId', 'value']) {
    if (typeof user?.[key] === 'string' && user[key]) return user[key] as string;
  }
  return undefined;
}

/**
 * Approvers from a field: users or names, or Jira Service Management approvals
 * ([{approvers: [{approver, approverDecision}]}]), of which only those who approved count.
 */
export function approversFrom(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  const names: string[] = [];
  for (const item of items) {
    const approval = object(item);
    if (approval && Array.isArray(approval.approvers)) {
      for (const a of approval.approvers) {
        const decision = object(a)?.approverDecision;
        const name = personName(object(a)?.approver);
        if (decision === 'approved' && name) names.push(name);
      }
      continue;
    }
    const name = personName(item);
    if (name) names.push(name);
  }
  return [...new Set(names)];
}

/** Only statuses the map sends to "approved" are approved; others are their name in lower case. */
export function jiraState(statusName: string, statusMap: Record<string, string>): string {
  const mapped = Object.entries(statusMap).find(([name]) => name.toLowerCase() === statusName.toLowerCase());
  return mapped ? mapped[1] : unapprovedState(statusName.toLowerCase() || 'unknown');
}

export async function readJiraIssue(config: JiraConfig, key: string, signal: AbortSignal): Promise<ChangeTicket> {
  const fields = ['status', config.approver_field, config.window_start_field, config.window_end_field].filter((f): f is string => !!f);
  const url = `${config.base_url}/rest/api/2/issue/${encodeURIComponent(key)}?fields=${fields.map(encodeURIComponent).join(',')}`;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dfw-collector' };
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  else if (config.username !== undefined) headers.authorization = basicAuth(config.username, config.password ?? '');
  const response = await fetchOrFail(SERVICE, url, { headers, signal });
  if (!response.ok) throw new CollectorFailure(await describeResponse(SERVICE, response));
  const issue = object(await readJson(SERVICE, response, `issue ${key}`));
  const issueFields = object(issue?.fields);
  if (!issue || !issueFields) throw new CollectorFailure(`Jira answered issue ${key} without fields`);
  const status = object(issueFields.status)?.name;
  if (typeof status !== 'string') throw new CollectorFailure(`Jira answered issue ${key} without a status`);
  const ticket: ChangeTicket = {
    id: typeof issue.key === 'string' ? issue.key : key,
    system: 'jira',
    state: jiraState(status, config.status_map ?? DEFAULT_STATUS_MAP),
  };
  if (config.approver_field) ticket.approved_by = approversFrom(issueFields[config.approver_field]);
  const window: { start?: string; end?: string } = {};
  for (const [bound, field] of [['start', config.window_start_field], ['end', config.window_end_field]] as const) {
    const value = field ? issueFields[field] : undefined;
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw new CollectorFailure(`Jira issue ${key}: field ${field} is not a date-time`);
    window[bound] = fromJira(value, `Jira issue ${key} field ${field}`, bound);
  }
  if (window.start || window.end) ticket.window = window;
  return ticket;
}
