// Waiver requests: the first step of the two-step waiver flow. Anyone with a token asks
// (the token's name is recorded as the requester, never a typed field); an admin with a
// different identity approves, which creates the waiver in the same transaction.
import type { Instant, Waiver } from './types.js';

export type WaiverRequestState = 'pending' | 'approved' | 'rejected';

export interface NewWaiverRequest {
  rule: string;
  application: string;
  /** An environment name, or `*` for every environment. */
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  /** The authenticated identity that asked (the API token's name). */
  requested_by: string;
  /** When the waiver would expire; judged again when it is approved. */
  expires_at: Instant;
}

export interface WaiverRequest {
  id: string;
  rule: string;
  application: string;
  environment: string;
  artifact_digest?: string;
  reason: string;
  ticket?: string;
  requested_by: string;
  expires_at: string;
  created_at: string;
  state: WaiverRequestState;
  /** Who approved or rejected it, and when. */
  decided_by?: string;
  decided_at?: string;
  /** The waiver an approval created. */
  waiver_id?: string;
}

export interface WaiverRequests {
  create(request: NewWaiverRequest): Promise<WaiverRequest>;
  get(id: string): Promise<WaiverRequest | undefined>;
  /** Newest first; only those in `state` when given. */
  list(options?: { state?: WaiverRequestState }): Promise<WaiverRequest[]>;
  /**
   * Turns a pending request into a waiver approved by `approved_by`, atomically: a request
   * decided meanwhile is a WaiverRequestDecidedError and no waiver is created.
   */
  approve(id: string, approval: { approved_by: string; at: Instant }): Promise<{ request: WaiverRequest; waiver: Waiver }>;
  /** Closes a pending request without a waiver. */
  reject(id: string, rejection: { rejected_by: string; at: Instant }): Promise<WaiverRequest>;
}
