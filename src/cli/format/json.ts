// The `json` format: the decision exactly as DESIGN.md's public contract shapes it, for programs.
import type { Decision } from '../../engine/types.js';

export function formatJson(decision: Decision): string {
  return `${JSON.stringify(decision, null, 2)}\n`;
}
