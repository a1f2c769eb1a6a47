// The collectors' configuration: the example in docs/collectors.md validates against the
// published schema and builds every collector; mistakes are caught by the schema or the
// factories at startup, naming the key.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import yaml from 'js-yaml';
import {
  CollectorConfigError, COLLECTORS_CONFIG_SCHEMA, createChangeCollector, createCollectors, createGitHubCollector, createRegistryCollector,
  type CollectorsConfig,
} from '../src/collect/collectors/index.js';
import { ROOT } from './helpers/opa.js';

const Ajv2020 = Ajv2020Import.default;
const addFormats = addFormatsImport.default;

function documentedExample(): { collectors: CollectorsConfig } {
  const doc = readFileSync(join(ROOT, 'docs/collectors.md'), 'utf8');
  const block = /<!-- collectors-example -->\s*```yaml\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/collectors.md has no collectors-example block');
  return yaml.load(block[1]!) as { collectors: CollectorsConfig };
}

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(COLLECTORS_CONFIG_SCHEMA);
}

const config = suite('collectors-config');

config('the documented example validates against the schema and builds every collector', () => {
  const example = documentedExample();
  const validate = validator();
  assert.ok(validate(example.collectors), JSON.stringify(validate.errors));
  const collectors = createCollectors(example.collectors);
  assert.equal(collectors.map((c) => [c.name, c.kinds]), [
    ['github', ['branch_protection', 'workflows', 'repository', 'dependabot_alerts', 'pull_request']],
    ['registry', ['registry']],
    ['kubernetes', ['runtime']],
    ['change', ['change_ticket']],
  ]);
  assert.equal(collectors.map((c) => [c.timeoutMs, c.cacheTtlMs]), [[10000, 60000], [10000, 30000], [10000, 10000], [10000, 30000]]);
});

config('no section, no collector', () => {
  assert.equal(createCollectors({}), []);
});

config('the schema refuses a misspelt key and a bad value', () => {
  const validate = validator();
  assert.not.ok(validate({ github: { baseUrl: 'https://api.github.com' } }), 'the camelCase spelling is refused');
  assert.is(validate.errors![0]!.keyword, 'additionalProperties');
  assert.not.ok(validate({ kubernetes: { clusters: [{ name: 'a', in_cluster: 'yes' }] } }));
  assert.not.ok(validate({ kubernetes: { clusters: [{ name: 'a' }], containers: 'some' } }));
  assert.not.ok(validate({ registry: { max_tag_digests: 5 } }), 'registries is required');
});

config('factories refuse what cannot work, naming the key', () => {
  const refuses = (fn: () => unknown, message: RegExp) => {
    try {
      fn();
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, CollectorConfigError);
      assert.match((err as Error).message, message);
    }
  };
  refuses(() => createGitHubCollector({ base_url: 'not a url' }), /^github\.base_url: "not a url" is not a URL$/);
  refuses(() => createGitHubCollector({ timeout_ms: 0 }), /^github\.timeout_ms: must be an integer >= 1/);
  refuses(() => createRegistryCollector({ registries: { 'ghcr.io': { username: 'only-user' } } }), /^registry\.registries\.ghcr\.io: username and password go together$/);
  refuses(() => createChangeCollector({}), /configure servicenow, jira or both/);
  refuses(() => createChangeCollector({ jira: { base_url: 'https://jira.example.com', ticket_pattern: '([' } }), /^change\.jira\.ticket_pattern: "\(\[" is not a regular expression/);
  refuses(() => createChangeCollector({ jira: { base_url: 'https://jira.example.com' }, default_system: 'servicenow' }), /^change\.default_system: servicenow is not configured$/);
});

config.run();
