// Notifications: events (CloudEvents 1.0), their Slack and webhook senders, the outbox
// worker that delivers them, and the scan that derives time-driven events.
export { EVENT_NAMES, DEFAULT_NOTIFICATIONS_CONFIG, NOTIFICATIONS_CONFIG_SCHEMA, type EventName, type NotificationsConfig, type ReceiverConfig } from './config.js';
export { EventFactory, eventId, blockingViolations, type CloudEvent, type EventViolation } from './events.js';
export { cloudEventsSender, slackSender, hmacSha256Hex, DeliveryError, SIGNATURE_HEADER, type Sender } from './senders.js';
export { slackMessage } from './slack.js';
export { retryDelayMs } from './backoff.js';
export { NotificationWorker, type WorkerOptions } from './worker.js';
export { EventScanner, type ScanResult } from './scan.js';
