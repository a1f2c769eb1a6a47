// SPDX JSON documents (spdxVersion SPDX-2.2 and SPDX-2.3) -> sbom.
import { ReportFields, isObject, kindHint } from './fields.js';
import { licenseChoices } from './spdx-license.js';
import type { ParsedEvidence, Sbom } from './types.js';

const fields: ReportFields = new ReportFields('spdx');

export const SPDX_VERSIONS: readonly string[] = ['SPDX-2.2', 'SPDX-2.3'];

// Not licenses: NOASSERTION says the author did not look, NONE that there is none
// (SPDX 2.3 §7.13, §7.15). Both leave the list empty.
const NOT_A_LICENSE = new Set(['NOASSERTION', 'NONE']);

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';

type Component = Sbom['components'][number];

// The elements the document is about (documentDescribes, or DESCRIBES / DESCRIBED_BY
// relationships with the document): the image or repository the SBOM is of, which a
// CycloneDX BOM keeps apart in metadata.component.
function describedIds(document: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  for (const id of fields.optionalArray(document.documentDescribes, 'documentDescribes')) if (typeof id === 'string') ids.add(id);
  fields.optionalArray(document.relationships, 'relationships').forEach((r) => {
    if (!isObject(r)) return;
    if (r.relationshipType === 'DESCRIBES' && r.spdxElementId === DOCUMENT_ID && typeof r.relatedSpdxElement === 'string') ids.add(r.relatedSpdxElement);
    if (r.relationshipType === 'DESCRIBED_BY' && r.relatedSpdxElement === DOCUMENT_ID && typeof r.spdxElementId === 'string') ids.add(r.spdxElementId);
  });
  return ids;
}

function readPackage(value: unknown, path: string): Component & { id?: string } {
  const p = fields.object(value, path);
  const name = fields.string(p.name, `${path}.name`);
  const version = fields.optionalString(p.versionInfo, `${path}.versionInfo`);
  let purl: string | undefined;
  fields.optionalArray(p.externalRefs, `${path}.externalRefs`).forEach((ref, i) => {
    const r = fields.object(ref, `${path}.externalRefs[${i}]`);
    if (purl === undefined && r.referenceType === 'purl') purl = fields.string(r.referenceLocator, `${path}.externalRefs[${i}].referenceLocator`);
  });
  const licenses: string[] = [];
  for (const key of ['licenseConcluded', 'licenseDeclared'] as const) {
    const license = fields.optionalString(p[key], `${path}.${key}`);
    if (license && !NOT_A_LICENSE.has(license) && !licenses.includes(license)) licenses.push(license);
  }
  const id = fields.optionalString(p.SPDXID, `${path}.SPDXID`);
  // The concluded licence (listed first) is the one that governs use (SPDX 2.3 §7.13); the
  // declared one stands in only when nobody concluded.
  const choices = licenseChoices(licenses.slice(0, 1));
  return { ...(id ? { id } : {}), name, ...(version ? { version } : {}), ...(purl ? { purl } : {}), licenses, ...(choices.length ? { license_choices: choices } : {}) };
}

/**
 * Reads a parsed SPDX JSON document. The packages the document describes are its subject
 * and are left out, unless it describes every package (some generators list them all).
 */
export function parseSpdxDocument(document: unknown): Pick<ParsedEvidence, 'sbom'> {
  const doc = fields.object(document, 'the document');
  if (doc.spdxVersion === undefined) fields.fail(`spdxVersion is missing; expected an SPDX JSON document${kindHint('spdx', document)}`);
  const spdxVersion = fields.string(doc.spdxVersion, 'spdxVersion');
  if (!SPDX_VERSIONS.includes(spdxVersion)) fields.fail(`spdxVersion ${JSON.stringify(spdxVersion)} is not supported; dfw reads ${SPDX_VERSIONS.join(', ')}`);

  const packages = fields.optionalArray(doc.packages, 'packages').map((p, i) => readPackage(p, `packages[${i}]`));
  const described = describedIds(doc);
  const describesAll = packages.every((p) => p.id !== undefined && described.has(p.id));
  const components = packages
    .filter((p) => describesAll || p.id === undefined || !described.has(p.id))
    .map(({ id: _id, ...component }) => component);
  return { sbom: { format: 'spdx', spec_version: spdxVersion.slice('SPDX-'.length), components } };
}
