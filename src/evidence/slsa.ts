// in-toto Statements carrying SLSA provenance (v0.2 and v1) -> provenance, bare or wrapped in
// a DSSE envelope or a Sigstore bundle. Parsing is not verification: what this returns is
// marked unverified, with the reason. Provenance only counts as verified when it comes from
// an attestation whose signature the trust collector checked (src/collect/trust).
import { ReportFields, describeValue, isObject, kindHint, parseJson, type JsonObject } from './fields.js';
import type { ParsedEvidence, Provenance } from './types.js';

const fields: ReportFields = new ReportFields('slsa');

export const STATEMENT_TYPES: readonly string[] = ['https://in-toto.io/Statement/v0.1', 'https://in-toto.io/Statement/v1'];
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** The DSSE payloadType of an in-toto Statement (in-toto attestation spec, envelope.md). */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle';

// Preferred order when a subject carries several digests; the first present wins.
const DIGEST_PREFERENCE = ['sha256', 'sha512', 'sha384'];
const HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128, sha1: 40 };

type Source = NonNullable<Provenance['source']>;

/** DSSE allows standard or URL-safe base64, padded or not. */
function decodeBase64(text: string, path: string): string {
  const normalized = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(normalized)) fields.fail(`${path} is not base64`);
  try {
    const binary = atob(normalized.padEnd(Math.ceil(normalized.length / 4) * 4, '='));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    return fields.fail(`${path} does not decode to UTF-8 text: ${(err as Error).message}`, err);
  }
}

function openEnvelope(envelope: JsonObject, path: string): unknown {
  const payloadType = fields.string(envelope.payloadType, `${path}payloadType`);
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) fields.fail(`${path}payloadType ${JSON.stringify(payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  const payload = decodeBase64(fields.string(envelope.payload, `${path}payload`), `${path}payload`);
  return parseJson('slsa', payload, `the DSSE payload (${path}payload)`);
}

// A Sigstore bundle (has dsseEnvelope), a bare DSSE envelope (has payloadType), or the
// Statement itself.
function unwrapStatement(document: unknown): { statement: JsonObject; where: string; signed: boolean } {
  const outer = fields.object(document, 'the document');
  const mediaType = typeof outer.mediaType === 'string' ? outer.mediaType : undefined;
  if (outer.dsseEnvelope !== undefined || mediaType?.startsWith(SIGSTORE_BUNDLE_MEDIA_TYPE)) {
    if (outer.dsseEnvelope === undefined) fields.fail('the Sigstore bundle holds no dsseEnvelope (it signs a message, not an in-toto statement)');
    const payload = openEnvelope(fields.object(outer.dsseEnvelope, 'dsseEnvelope'), 'dsseEnvelope.');
    return { statement: fields.object(payload, 'the DSSE payload'), where: 'the statement in dsseEnvelope', signed: true };
  }
  if (outer.payloadType !== undefined || outer.payload !== undefined) {
    return { statement: fields.object(openEnvelope(outer, ''), 'the DSSE payload'), where: 'the statement in the DSSE envelope', signed: true };
  }
  return { statement: outer, where: 'the statement', signed: false };
}

function subjectDigest(value: unknown, path: string): string {
  const digests = fields.object(value, path);
  const algorithms = Object.keys(digests);
  const algorithm = DIGEST_PREFERENCE.find((a) => a in digests) ?? algorithms.sort()[0];
  if (!algorithm) fields.fail(`${path} is empty; a subject needs at least one digest`);
  const hex = fields.string(digests[algorithm], `${path}.${algorithm}`).toLowerCase();
  const length = HEX_LENGTHS[algorithm];
  if (length !== undefined && !new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
    fields.fail(`${path}.${algorithm} must be ${length} hexadecimal digits, not ${describeValue(digests[algorithm])}`);
  }
  return `${algorithm}:${hex}`;
}

// "git+https://user@github.com/acme/app.git@refs/heads/main" -> github.com/acme/app and
// refs/heads/main, written like the input document's source.repository.
function splitSourceUri(uri: string): { repository: string; ref?: string } {
  const scheme = /^(?:git\+)?[a-z][a-z0-9+.-]*:\/\//i.exec(uri);
  if (!scheme) return { repository: uri };
  let rest = uri.slice(scheme[0].length);
  const slash = rest.indexOf('/');
  const userinfo = rest.lastIndexOf('@', slash === -1 ? rest.length : slash);
  if (userinfo !== -1) rest = rest.slice(userinfo + 1);
  const at = rest.indexOf('@', rest.indexOf('/'));
  const ref = at > 0 ? rest.slice(at + 1) : undefined;
  const repository = (at > 0 ? rest.slice(0, at) : rest).replace(/\/+$/, '').replace(/\.git$/, '');
  return { repository, ...(ref ? { ref } : {}) };
}

// gitCommit (in-toto DigestSet) or sha1; else a 40-hex value under any name, since some
// builders file git's SHA-1 under sha256 (the Azure kubectl provenance does).
function commitOf(digest: unknown): string | undefined {
  if (!isObject(digest)) return undefined;
  for (const key of ['gitCommit', 'sha1']) if (typeof digest[key] === 'string' && digest[key] !== '') return digest[key] as string;
  return Object.values(digest).find((v): v is string => typeof v === 'string' && /^[0-9a-f]{40}$/i.test(v));
}

// Materials and resolved dependencies also list builder images and packages; the source is
// the first entry that names a repository rather than an image or a package.
function isSourceUri(uri: unknown): uri is string {
  return typeof uri === 'string' && uri !== '' && !/^(?:pkg:|oci:\/\/|docker:\/\/)/.test(uri) && !/@sha256:/.test(uri);
}

function sourceFrom(uri: string, digest: unknown): Source {
  const commit = commitOf(digest);
  return { ...splitSourceUri(uri), ...(commit ? { commit } : {}) };
}

// v0.2: the first source-like material, else invocation.configSource (where the build's
// config came from, which for most builders is the source repository too).
function sourceV02(predicate: JsonObject): Source | undefined {
  const materials = fields.optionalArray(predicate.materials, 'predicate.materials');
  const material = materials.find((m) => isObject(m) && isSourceUri(m.uri)) as JsonObject | undefined;
  if (material) return sourceFrom(material.uri as string, material.digest);
  const invocation = fields.optionalObject(predicate.invocation, 'predicate.invocation');
  const config = fields.optionalObject(invocation?.configSource, 'predicate.invocation.configSource');
  return isSourceUri(config?.uri) ? sourceFrom(config.uri, config.digest) : undefined;
}

// v1: buildDefinition.externalParameters.source (a resource descriptor or a uri), with its
// digest from the matching resolvedDependencies entry when it has none; else the first
// source-like resolved dependency (GitHub Actions workflow builds list the repository first).
function sourceV1(buildDefinition: JsonObject): Source | undefined {
  const external = fields.optionalObject(buildDefinition.externalParameters, 'predicate.buildDefinition.externalParameters');
  const dependencies = fields
    .optionalArray(buildDefinition.resolvedDependencies, 'predicate.buildDefinition.resolvedDependencies')
    .filter((d): d is JsonObject => isObject(d) && isSourceUri(d.uri));
  const declared = external?.source;
  const uri = isObject(declared) ? declared.uri : declared;
  if (isSourceUri(uri)) {
    const digest = isObject(declared) && isObject(declared.digest) ? declared.digest : dependencies.find((d) => d.uri === uri)?.digest;
    return sourceFrom(uri, digest);
  }
  const first = dependencies[0];
  return first ? sourceFrom(first.uri as string, first.digest) : undefined;
}

/** Reads a parsed in-toto Statement with SLSA provenance, bare or in a DSSE envelope or Sigstore bundle. */
export function parseSlsaProvenance(document: unknown): Pick<ParsedEvidence, 'provenance'> {
  const { statement, where, signed } = unwrapStatement(document);
  if (isObject(statement.critical) && isObject(statement.critical.image)) {
    fields.fail('this is a cosign simple-signing payload (a signature over an image digest), not an in-toto statement with provenance');
  }
  if (statement._type === undefined) fields.fail(`_type is missing from ${where}; expected an in-toto Statement${kindHint('slsa', document)}`);
  if (typeof statement._type !== 'string' || !STATEMENT_TYPES.includes(statement._type)) {
    fields.fail(`_type ${describeValue(statement._type)} is not an in-toto Statement type (${STATEMENT_TYPES.join(', ')})`);
  }
  const predicateType = fields.string(statement.predicateType, 'predicateType');
  if (predicateType !== SLSA_PROVENANCE_V02 && predicateType !== SLSA_PROVENANCE_V1) {
    fields.fail(`predicateType ${JSON.stringify(predicateType)} is not SLSA provenance; dfw reads ${SLSA_PROVENANCE_V02} and ${SLSA_PROVENANCE_V1}`);
  }
  const subjects = fields.array(statement.subject, 'subject').map((value, i) => {
    const subject = fields.object(value, `subject[${i}]`);
    return { name: fields.optionalString(subject.name, `subject[${i}].name`) ?? '', digest: subjectDigest(subject.digest, `subject[${i}].digest`) };
  });
  if (subjects.length === 0) fields.fail('subject is empty: the statement is about no artifact');
  const predicate = fields.object(statement.predicate, 'predicate');

  let builderId: string;
  let source: Source | undefined;
  if (predicateType === SLSA_PROVENANCE_V02) {
    builderId = fields.string(fields.object(predicate.builder, 'predicate.builder').id, 'predicate.builder.id');
    source = sourceV02(predicate);
  } else {
    const runDetails = fields.object(predicate.runDetails, 'predicate.runDetails');
    builderId = fields.string(fields.object(runDetails.builder, 'predicate.runDetails.builder').id, 'predicate.runDetails.builder.id');
    source = sourceV1(fields.object(predicate.buildDefinition, 'predicate.buildDefinition'));
  }
  const unverifiedReason = signed
    ? 'pushed as --kind slsa, whose signatures dfw does not check; push the envelope or bundle with --kind attestation to have it verified'
    : 'a bare in-toto statement carries no signature';
  return { provenance: { predicate_type: predicateType, builder_id: builderId, ...(source ? { source } : {}), subjects, verified: false, unverified_reason: unverifiedReason } };
}
