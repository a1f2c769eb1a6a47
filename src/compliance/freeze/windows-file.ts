// The generated data.json: nanosecond bounds written as exact JSON integers (they exceed
// 2^53, and JSON.stringify cannot write a BigInt), sorted keys so regenerating an unchanged
// calendar rewrites the same bytes.
import type { FreezeWindowsData } from './types.js';

/** Where `opa build --bundle rego` finds it: data.firewall.config.freeze_windows. */
export const FREEZE_WINDOWS_FILE = 'rego/firewall/config/freeze_windows/data.json';
export const FREEZE_SOURCE_FILE = 'rego/firewall/config/freezes.yaml';

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value && typeof value === 'object' && typeof value !== 'bigint') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function serializeFreezeWindows(data: FreezeWindowsData): string {
  const marker = '__dfw_bigint__';
  const text = JSON.stringify(sorted(data), (_key, value: unknown) => (typeof value === 'bigint' ? `${marker}${value.toString()}` : value), 1);
  return `${text.replace(new RegExp(`"${marker}(-?\\d+)"`, 'g'), '$1')}\n`;
}
