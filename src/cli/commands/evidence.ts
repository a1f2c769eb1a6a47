// `dfw evidence push`: CI sends a scanner report or a security review for a subject.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { REPORT_KINDS } from '../../evidence/types.js';
import { CliError } from '../exit-codes.js';
import { describeUsage } from '../help.js';
import { callServer, serverOptions, type ServerOptions } from '../server-client.js';
import { formatOption } from './decisions.js';
import { DIGEST } from '../../collect/image-reference.js';

/** "sha256:…" is an image digest; "github.com/acme/payments@9f2c…" a repository and commit. */
export function subjectQuery(subject: string): URLSearchParams {
  const at = subject.lastIndexOf('@');
  if (DIGEST.test(subject)) return new URLSearchParams({ digest: subject });
  if (at > 0 && /^[0-9a-fA-F]{4,64}$/.test(subject.slice(at + 1))) {
    return new URLSearchParams({ repository: subject.slice(0, at), commit: subject.slice(at + 1) });
  }
  throw new CliError(`--subject "${subject}" is neither an image digest (sha256:…) nor repository@commit (github.com/acme/payments@9f2c…)`);
}

export function evidenceCommand(): Command {
  const evidence = new Command('evidence').description('Push evidence (scan reports, SBOMs, provenance, reviews) to a dfw server');
  const push = evidence
    .command('push')
    .description('Store a report for a subject; the server parses it and refuses it whole if it cannot')
    .argument('<file>', 'the report (JSON), or - for standard input')
    .addOption(new Option('-k, --kind <kind>', 'report format').choices([...REPORT_KINDS]).makeOptionMandatory())
    .addOption(new Option('--subject <subject>', 'image digest (sha256:…) or repository@commit').makeOptionMandatory())
    .addOption(formatOption());
  describeUsage(push, [
    'dfw evidence push --kind trivy --subject sha256:4f1c… trivy.json --server "$DFW_SERVER" --token "$DFW_TOKEN"',
    'dfw evidence push --kind sarif --subject github.com/acme/payments@9f2c4e1 codeql.sarif --server http://127.0.0.1:8787',
    'dfw evidence push --kind attestation --subject sha256:4f1c… provenance.intoto.sigstore --server "$DFW_SERVER" --token "$DFW_TOKEN"',
  ]);
  for (const option of serverOptions()) push.addOption(option);
  push.action(async (file: string, options: ServerOptions & { kind: string; subject: string; format: string }) => {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (err) {
      throw new CliError(`report ${file} cannot be read: ${(err as Error).message}`);
    }
    // A file's byte order mark (PowerShell's Out-File writes one) belongs to the file, not to
    // the JSON: the server refuses a body that starts with one (docs/reliability.md).
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const query = subjectQuery(options.subject);
    query.set('kind', options.kind);
    const { body } = await callServer<{ id: string; created: boolean; evidence_kinds: string[] }>(options, 'POST', `/v1/evidence?${query}`, { text });
    if (options.format === 'json') return void process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    process.stdout.write(`${body.created ? 'stored' : 'already stored (identical content)'}: report ${body.id} (${options.kind}) for ${options.subject} -> ${body.evidence_kinds.join(', ')}\n`);
  });
  return evidence;
}
