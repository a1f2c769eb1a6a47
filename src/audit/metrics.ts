// The audit's series in /metrics: deployments whose newest audit record is drifted, and
// those whose newest audit could not evaluate them. Read from the store at each scrape, so
// every worker process and replica says the same.
import { Gauge, type Registry } from 'prom-client';
import type { AuditLog, AuditStatus } from '../store/types.js';

function latestGauge(registry: Registry, audits: Pick<AuditLog, 'latest'>, name: string, help: string, status: AuditStatus): void {
  new Gauge({
    name,
    help,
    labelNames: ['environment'] as const,
    registers: [registry],
    async collect() {
      // A store that cannot answer leaves the previous values rather than zeros that look healthy.
      const latest = await audits.latest().catch(() => undefined);
      if (!latest) return;
      this.reset();
      for (const r of latest) this.inc({ environment: r.environment }, r.status === status ? 1 : 0);
    },
  });
}

export function registerAuditMetrics(registry: Registry, audits: Pick<AuditLog, 'latest'>): void {
  latestGauge(registry, audits, 'dfw_audit_drifted', 'Deployments whose newest audit found them drifted (they would be denied today), by environment.', 'drifted');
  latestGauge(
    registry,
    audits,
    'dfw_audit_errors',
    'Deployments whose newest audit could not evaluate them (counted as not compliant; the reason is in the audit record and the log), by environment.',
    'error',
  );
}
