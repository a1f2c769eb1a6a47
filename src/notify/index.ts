// Notifications: events (CloudEvents 1.0), their Slack and webhook senders, the outbox
// worker that delivers them, and the scan that derives time-driven events.
export { DEFAULT_NOTIFICATIONS_CONFIG, type NotificationsConfig, type ReceiverConfig } from './config.js';
export { EventFactory, type CloudEvent } from './events.js';
export { cloudEventsSender, slackSender, type Sender } from './senders.js';
export { ReceiverConfigError, type ReceiverSource } from './receiver-url.js';
export { slackMessage } from './slack.js';
export { retryDelayMs } from './backoff.js';
export { NotificationWorker } from './worker.js';
export { EventScanner } from './scan.js';
