// A Slack message for each event: a headline, each blocking rule with its message and
// remediation, and a link to the console page (https://api.slack.com/messaging/webhooks,
// Block Kit sections in mrkdwn). `text` is the notification and screen-reader fallback.
// Everything a caller or a bundle wrote is escaped, in `text` as in the blocks.
import type { CloudEvent, EventViolation } from './events.js';
import { EVENT_TYPE_PREFIX } from './events.js';

/** Slack's mrkdwn needs &, < and > escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });

function violationBlocks(violations: EventViolation[]): Array<Record<string, unknown>> {
  // Slack allows 50 blocks a message; a handful of rules says enough, the link says the rest.
  const shown = violations.slice(0, 10).map((v) =>
    section(`*${escapeMrkdwn(v.rule)}* (${v.severity}) ${escapeMrkdwn(v.title)}\n${escapeMrkdwn(v.message)}\n_Remediation:_ ${escapeMrkdwn(v.remediation)}`),
  );
  if (violations.length > 10) shown.push(section(`…and ${violations.length - 10} more`));
  return shown;
}

function headline(event: CloudEvent): string {
  const d = event.data as Record<string, any>;
  switch (event.type.slice(EVENT_TYPE_PREFIX.length)) {
    case 'decision.denied':
      return `:no_entry: dfw denied a deployment of ${d.application} to ${d.environment}`;
    case 'audit.drifted':
      return `:warning: ${d.application} in ${d.environment} no longer passes the policy (drifted since it was deployed)`;
    case 'waiver.granted':
      return `:white_check_mark: ${d.waiver.approved_by} granted a waiver of ${d.waiver.rule} for ${d.waiver.application} in ${d.waiver.environment} until ${d.waiver.expires_at}`;
    case 'waiver.expiring':
      return `:hourglass: The waiver of ${d.waiver.rule} for ${d.waiver.application} in ${d.waiver.environment} expires at ${d.waiver.expires_at}`;
    case 'waiver.expired':
      return `:hourglass_flowing_sand: The waiver of ${d.waiver.rule} for ${d.waiver.application} in ${d.waiver.environment} has expired`;
    case 'bundle.activated':
      return `:package: Policy bundle ${d.bundle.name} revision ${d.bundle.revision} is now active`;
    default:
      return `dfw: ${event.type}`;
  }
}

export function slackMessage(event: CloudEvent): SlackMessage {
  const d = event.data as { url?: string; violations?: EventViolation[]; waiver?: { reason?: string } };
  const title = escapeMrkdwn(headline(event));
  const blocks: Array<Record<string, unknown>> = [section(`*${title}*`)];
  if (d.violations?.length) blocks.push(...violationBlocks(d.violations));
  if (d.waiver?.reason) blocks.push(section(`_Reason:_ ${escapeMrkdwn(d.waiver.reason)}`));
  if (d.url) blocks.push(section(`<${d.url}|Open in the dfw console>`));
  const rules = d.violations?.length ? ` — ${[...new Set(d.violations.map((v) => v.rule))].join(', ')}` : '';
  // Slack formats `text` as mrkdwn too: unescaped, an application named "<!channel>" would
  // notify the whole channel and "<https://evil.example|payments>" would be a disguised link.
  return { text: escapeMrkdwn(`${headline(event)}${rules}`), blocks };
}
