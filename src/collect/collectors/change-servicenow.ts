// A ServiceNow change_request as evidence.change_ticket, through the Table API
// (GET /api/now/table/change_request?sysparm_query=number=<id>). dfw asks for
// sysparm_display_value=all: raw values for state, approval and dates (stable across
// languages and in UTC) and display values for people.
import { basicAuth, CollectorFailure, describeResponse, fetchOrFail, readJson } from './http.js';
import { fromServiceNow, unapprovedState, type ChangeTicket } from './change-ticket.js';

export interface ServiceNowConfig {
  /** https://<instance>.service-now.com */
  base_url: string;
  username?: string;
  password?: string;
  /** OAuth access token, sent as Bearer, instead of username and password. */
  token?: string;
  /** Which ticket ids are ServiceNow changes; default ^CHG\d+$. */
  ticket_pattern?: string;
  /**
   * Raw `state` values (or display names, any case) in which an approved change may be
   * deployed; default -2 (Scheduled) and -1 (Implement).
   */
  approved_states?: string[];
  /** Read approvers from sysapproval_approver (one more request); default true. */
  approvers?: boolean;
}

const SERVICE = 'ServiceNow';

/** The states of the change_request model in ServiceNow's base system, by raw value. */
export const SERVICENOW_STATES: Record<string, string> = {
  '-5': 'new',
  '-4': 'assess',
  '-3': 'authorize',
  '-2': 'scheduled',
  '-1': 'implement',
  '0': 'review',
  '3': 'closed',
  '4': 'canceled',
};
export const DEFAULT_APPROVED_STATES = ['-2', '-1'];

type Field = string | { value?: unknown; display_value?: unknown } | null | undefined;

function raw(field: Field): string {
  const value = field && typeof field === 'object' ? field.value : field;
  return typeof value === 'string' ? value : '';
}

function display(field: Field): string {
  const value = field && typeof field === 'object' ? field.display_value : field;
  return typeof value === 'string' ? value : '';
}

/**
 * approved when the approval is "approved" and the state is one deployments happen in;
 * rejected and canceled as such; otherwise the state's name ("authorize", "closed"…).
 */
export function serviceNowState(record: Record<string, Field>, approvedStates: readonly string[]): string {
  const state = raw(record.state);
  const stateName = SERVICENOW_STATES[state] ?? (display(record.state).toLowerCase() || state || 'unknown');
  const approval = raw(record.approval).toLowerCase();
  if (approval === 'rejected') return 'rejected';
  if (stateName === 'canceled') return 'canceled';
  const allowed = approvedStates.map((s) => s.toLowerCase());
  if (approval === 'approved' && (allowed.includes(state) || allowed.includes(stateName) || allowed.includes(display(record.state).toLowerCase()))) return 'approved';
  return unapprovedState(stateName);
}

export class ServiceNowClient {
  constructor(private readonly config: ServiceNowConfig, private readonly signal: AbortSignal) {}

  private async table(table: string, query: Record<string, string>, what: string): Promise<Array<Record<string, Field>>> {
    const url = `${this.config.base_url}/api/now/table/${table}?${new URLSearchParams(query).toString()}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'dfw-collector' };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    else if (this.config.username !== undefined) headers.authorization = basicAuth(this.config.username, this.config.password ?? '');
    const response = await fetchOrFail(SERVICE, url, { headers, signal: this.signal });
    if (!response.ok) throw new CollectorFailure(await describeResponse(SERVICE, response));
    const body = (await readJson(SERVICE, response, what)) as { result?: unknown } | null;
    if (!body || !Array.isArray(body.result)) throw new CollectorFailure(`ServiceNow answered ${what} without a result list`);
    return body.result as Array<Record<string, Field>>;
  }

  async readChange(id: string): Promise<ChangeTicket> {
    const [record] = await this.table(
      'change_request',
      {
        sysparm_query: `number=${id}`,
        sysparm_display_value: 'all',
        sysparm_exclude_reference_link: 'true',
        sysparm_fields: 'number,sys_id,state,approval,start_date,end_date',
        sysparm_limit: '1',
      },
      `change_request ${id}`,
    );
    if (!record) throw new CollectorFailure(`ServiceNow has no change_request numbered ${id}`);
    const ticket: ChangeTicket = {
      id: raw(record.number) || id,
      system: 'servicenow',
      state: serviceNowState(record, this.config.approved_states ?? DEFAULT_APPROVED_STATES),
    };
    if (this.config.approvers ?? true) ticket.approved_by = await this.readApprovers(raw(record.sys_id), id);
    const start = raw(record.start_date);
    const end = raw(record.end_date);
    if (start || end) {
      ticket.window = {
        ...(start ? { start: fromServiceNow(start, `change_request ${id} start_date`) } : {}),
        ...(end ? { end: fromServiceNow(end, `change_request ${id} end_date`) } : {}),
      };
    }
    return ticket;
  }

  /** Who approved: the approved rows of sysapproval_approver for the change. */
  private async readApprovers(sysId: string, id: string): Promise<string[]> {
    if (!/^[0-9a-f]{32}$/.test(sysId)) throw new CollectorFailure(`ServiceNow answered change_request ${id} without a sys_id`);
    const rows = await this.table(
      'sysapproval_approver',
      {
        sysparm_query: `sysapproval=${sysId}^state=approved`,
        sysparm_display_value: 'true',
        sysparm_exclude_reference_link: 'true',
        sysparm_fields: 'approver',
      },
      `the approvers of ${id}`,
    );
    return [...new Set(rows.map((row) => display(row.approver)).filter(Boolean))];
  }
}
