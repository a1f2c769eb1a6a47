// Freeze calendars: what the security team writes (freezes.yaml, .ics imports) and the
// concrete UTC windows `dfw freeze expand` writes into bundle data for DFW-CHANGE-002.

/** One freeze written in freezes.yaml: a one-off window, or a recurring one with an RRULE. */
export interface FreezeDefinition {
  id: string;
  title?: string;
  message: string;
  /** IANA zone the local start/end (and the recurrence) are read in. */
  time_zone: string;
  /** Local wall-clock time, e.g. 2026-12-18T18:00. */
  start: string;
  end: string;
  /** iCalendar RRULE value (RFC 5545 §3.3.10), e.g. FREQ=WEEKLY;BYDAY=FR. */
  rrule?: string;
  environments: string[];
  /** Default: every application ("*"). */
  applications?: string[];
}

/** An .ics file whose events become the windows of one freeze (a holiday calendar). */
export interface FreezeImport {
  id: string;
  /** Path relative to freezes.yaml. */
  file: string;
  title?: string;
  message: string;
  /** Zone for all-day and floating events; events with a TZID keep theirs. */
  time_zone: string;
  environments: string[];
  applications?: string[];
}

export interface FreezeSource {
  /** The span expanded into windows; default: 30 days before now to 2 years after. */
  horizon?: { from: string; to: string };
  freezes?: FreezeDefinition[];
  imports?: FreezeImport[];
}

/** One concrete window: start inclusive, end exclusive, both UTC. */
export interface FreezeWindow {
  start: string;
  end: string;
  start_ns: bigint;
  end_ns: bigint;
  /** When it ends, in the freeze's own zone, for the deny message. */
  ends_local: string;
  /** The .ics event's SUMMARY, for imported windows. */
  summary?: string;
}

export interface ExpandedFreeze {
  title: string;
  message: string;
  time_zone: string;
  environments: string[];
  applications: string[];
  /** freezes.yaml or the .ics file it came from. */
  source: string;
  rrule?: string;
  windows: FreezeWindow[];
}

/** data.firewall.config.freeze_windows: what the rule reads. */
export interface FreezeWindowsData {
  about: string;
  horizon: { from: string; to: string; from_ns: bigint; to_ns: bigint };
  freezes: Record<string, ExpandedFreeze>;
}
