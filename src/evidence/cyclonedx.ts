// CycloneDX JSON BOMs (specVersion 1.2–1.6) -> sbom.
import { ReportFields, describeValue, kindHint } from './fields.js';
import { licenseChoices } from './spdx-license.js';
import type { ParsedEvidence, Sbom } from './types.js';

const fields: ReportFields = new ReportFields('cyclonedx');

/** CycloneDX has a JSON form from 1.2 on. */
export const CYCLONEDX_SPEC_VERSIONS: readonly string[] = ['1.2', '1.3', '1.4', '1.5', '1.6'];

type Component = Sbom['components'][number];

// A licenses entry is {license: {id}} (an SPDX id), {license: {name}} (free text) or
// {expression} (an SPDX expression such as "MIT OR Apache-2.0").
function readLicenses(value: unknown, path: string): string[] {
  const licenses: string[] = [];
  fields.optionalArray(value, path).forEach((entry, i) => {
    const choice = fields.object(entry, `${path}[${i}]`);
    const license = fields.optionalObject(choice.license, `${path}[${i}].license`);
    const text = license
      ? (fields.optionalString(license.id, `${path}[${i}].license.id`) ?? fields.optionalString(license.name, `${path}[${i}].license.name`))
      : fields.optionalString(choice.expression, `${path}[${i}].expression`);
    if (text && !licenses.includes(text)) licenses.push(text);
  });
  return licenses;
}

/**
 * Reads a parsed CycloneDX JSON BOM. Components nest (component.components), so the list
 * is flattened; metadata.component is the BOM's subject, not one of its components.
 */
export function parseCycloneDxBom(document: unknown): Pick<ParsedEvidence, 'sbom'> {
  const bom = fields.object(document, 'the BOM');
  if (bom.bomFormat === undefined) fields.fail(`bomFormat is missing; expected a CycloneDX JSON BOM with "bomFormat": "CycloneDX"${kindHint('cyclonedx', document)}`);
  if (bom.bomFormat !== 'CycloneDX') fields.fail(`bomFormat ${describeValue(bom.bomFormat)} is not "CycloneDX"`);
  const specVersion = fields.string(bom.specVersion, 'specVersion');
  if (!CYCLONEDX_SPEC_VERSIONS.includes(specVersion)) {
    fields.fail(`specVersion ${JSON.stringify(specVersion)} is not supported; dfw reads CycloneDX ${CYCLONEDX_SPEC_VERSIONS.join(', ')}`);
  }

  const components: Component[] = [];
  // Depth-first in document order, with an explicit stack so deep nesting cannot overflow.
  const pending: Array<{ value: unknown; path: string }> = fields
    .optionalArray(bom.components, 'components')
    .map((value, i) => ({ value, path: `components[${i}]` }))
    .reverse();
  for (let next = pending.pop(); next; next = pending.pop()) {
    const c = fields.object(next.value, next.path);
    const name = fields.string(c.name, `${next.path}.name`);
    const version = fields.optionalString(c.version, `${next.path}.version`);
    const purl = fields.optionalString(c.purl, `${next.path}.purl`);
    const licenses = readLicenses(c.licenses, `${next.path}.licenses`);
    // Several entries of a component's licenses all apply (CycloneDX lists them side by side).
    const choices = licenseChoices(licenses);
    components.push({ name, ...(version ? { version } : {}), ...(purl ? { purl } : {}), licenses, ...(choices.length ? { license_choices: choices } : {}) });
    const children = fields.optionalArray(c.components, `${next.path}.components`);
    for (let i = children.length - 1; i >= 0; i--) pending.push({ value: children[i], path: `${next.path}.components[${i}]` });
  }
  return { sbom: { format: 'cyclonedx', spec_version: specVersion, components } };
}
