// The frameworks dfw reports on, as data: each JSON lists the framework's controls — those
// dfw's rules map to and those they do not, so a report can show the gaps.
import cisSscs from './frameworks/cis-sscs.json' with { type: 'json' };
import nist from './frameworks/nist-800-53.json' with { type: 'json' };
import owaspCicd from './frameworks/owasp-cicd.json' with { type: 'json' };
import slsa from './frameworks/slsa.json' with { type: 'json' };
import soc2 from './frameworks/soc2.json' with { type: 'json' };
import { InvalidInputError } from '../shared/errors.js';

export interface FrameworkControl {
  id: string;
  title: string;
}

export interface Framework {
  /** The prefix of a rule's control tags: "SOC2" in "SOC2:CC8.1". */
  id: string;
  name: string;
  version: string;
  source: string;
  note?: string;
  controls: FrameworkControl[];
}

export const FRAMEWORKS: readonly Framework[] = [soc2, nist, slsa, owaspCicd, cisSscs];

export function frameworkIds(): string[] {
  return FRAMEWORKS.map((f) => f.id);
}

/** By id, ignoring case ("soc2" finds SOC2). */
export function findFramework(id: string): Framework {
  const framework = FRAMEWORKS.find((f) => f.id.toLowerCase() === id.trim().toLowerCase());
  if (!framework) {
    throw new InvalidInputError('unknown_framework', `unknown framework "${id}": one of ${frameworkIds().join(', ')}`, [
      { field: 'framework', message: `must be one of ${frameworkIds().join(', ')}` },
    ]);
  }
  return framework;
}

/**
 * Whether a rule's tag (the part after "SOC2:") serves a listed control: the same id, or a
 * finer one beneath it — a CIS recommendation 1.1.3 under section 1.1, a NIST enhancement
 * SI-7(15) under SI-7.
 */
export function serves(tag: string, control: string): boolean {
  return tag === control || tag.startsWith(`${control}.`) || tag.startsWith(`${control}(`);
}
