// Host builtins against the oracle: every case is evaluated by the real `opa eval` and by dfw.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRfc3339Ns } from '../src/engine/builtins/time.js';
import { semverCompare, semverIsValid } from '../src/engine/builtins/semver.js';
import { runOpa } from './helpers/opa.js';

type Case<T> = readonly [behaviour: string, value: T];

const TIME_CASES: ReadonlyArray<Case<unknown>> = [
  ['a plain UTC timestamp', '2024-03-01T12:34:56Z'],
  ['the epoch', '1970-01-01T00:00:00Z'],
  ['the last nanosecond before the epoch', '1969-12-31T23:59:59.999999999Z'],
  ['a leap day in a leap year', '2024-02-29T00:00:00Z'],
  ['a leap day in a common year', '2023-02-29T00:00:00Z'],
  ['a leap day in a year divisible by 400', '2000-02-29T00:00:00Z'],
  ['a leap day in a century year', '1900-02-29T00:00:00Z'],
  ['a leap day in 2100', '2100-02-29T00:00:00Z'],
  ['February 30th', '2026-02-30T00:00:00Z'],
  ['April 31st', '2024-04-31T00:00:00Z'],
  ['April 30th', '2024-04-30T00:00:00Z'],
  ['day 00', '2024-01-00T00:00:00Z'],
  ['day 32', '2024-01-32T00:00:00Z'],
  ['month 00', '2024-00-10T00:00:00Z'],
  ['month 13', '2024-13-01T00:00:00Z'],
  ['a one-digit month', '2024-1-01T00:00:00Z'],
  ['a one-digit day', '2024-01-1T00:00:00Z'],
  ['the last second of a year', '2024-12-31T23:59:59Z'],
  ['offset +14:00', '2024-03-01T12:00:00+14:00'],
  ['offset -23:59', '2024-03-01T12:00:00-23:59'],
  ['offset +23:59', '2024-03-01T12:00:00+23:59'],
  ['offset +24:00', '2024-03-01T12:00:00+24:00'],
  ['offset -24:00', '2024-03-01T12:00:00-24:00'],
  ['offset +24:60', '2024-03-01T12:00:00+24:60'],
  ['offset +25:00', '2024-03-01T12:00:00+25:00'],
  ['offset +00:60', '2024-03-01T12:00:00+00:60'],
  ['offset +00:61', '2024-03-01T12:00:00+00:61'],
  ['offset -00:00', '2024-03-01T12:00:00-00:00'],
  ['offset +05:30', '2024-03-01T12:00:00+05:30'],
  ['an offset without a colon', '2024-03-01T12:00:00+0100'],
  ['an offset of hours only', '2024-03-01T12:00:00+01'],
  ['an offset with seconds', '2024-03-01T12:00:00+01:00:00'],
  ['an offset with a one-digit hour', '2024-03-01T12:00:00+1:00'],
  ['an offset with a one-digit minute', '2024-03-01T12:00:00+01:0'],
  ['an offset with an unknown sign', '2024-03-01T12:00:00*01:00'],
  ['Z followed by an offset', '2024-03-01T12:00:00Z+01:00'],
  ['no zone at all', '2024-03-01T12:00:00'],
  ['a lower-case t', '2024-03-01t12:00:00Z'],
  ['a lower-case z', '2024-03-01T12:00:00z'],
  ['a space instead of T', '2024-03-01 12:00:00Z'],
  ['a 1-digit fraction', '2024-03-01T12:00:00.1Z'],
  ['a 2-digit fraction', '2024-03-01T12:00:00.12Z'],
  ['a 3-digit fraction', '2024-03-01T12:00:00.123Z'],
  ['a 4-digit fraction', '2024-03-01T12:00:00.1234Z'],
  ['a 5-digit fraction', '2024-03-01T12:00:00.12345Z'],
  ['a 6-digit fraction', '2024-03-01T12:00:00.123456Z'],
  ['a 7-digit fraction', '2024-03-01T12:00:00.1234567Z'],
  ['an 8-digit fraction', '2024-03-01T12:00:00.12345678Z'],
  ['a 9-digit fraction', '2024-03-01T12:00:00.123456789Z'],
  ['a 10-digit fraction (truncated, not rounded)', '2024-03-01T12:00:00.1234567899Z'],
  ['an 11-digit fraction', '2024-03-01T12:00:00.12345678999Z'],
  ['a 12-digit fraction', '2024-03-01T12:00:00.999999999999Z'],
  ['a fraction with a comma', '2024-03-01T12:00:00,5Z'],
  ['a fraction with an offset', '2024-03-01T12:00:00.000000001-07:00'],
  ['a separator without digits', '2024-03-01T12:00:00.Z'],
  ['a fraction after the zone', '2024-03-01T12:00:00Z.5'],
  ['a one-digit hour', '2024-03-01T7:00:00Z'],
  ['hour 24', '2024-03-01T24:00:00Z'],
  ['minute 60', '2024-03-01T12:60:00Z'],
  ['a one-digit minute', '2024-03-01T12:0:00Z'],
  ['second 60 (a leap second)', '2016-12-31T23:59:60Z'],
  ['year 0000', '0000-01-01T00:00:00Z'],
  ['year 0001', '0001-01-01T00:00:00Z'],
  ['1677, a day before the int64 range', '1677-09-20T00:00:00Z'],
  ['the first nanosecond in the int64 range', '1677-09-21T00:12:43.145224192Z'],
  ['one nanosecond before the int64 range', '1677-09-21T00:12:43.145224191Z'],
  ['the first instant of the int64 range written with an offset', '1677-09-21T01:12:43.145224192+01:00'],
  ['the last nanosecond in the int64 range', '2262-04-11T23:47:16.854775807Z'],
  ['one nanosecond after the int64 range', '2262-04-11T23:47:16.854775808Z'],
  ['the last instant of the int64 range written with an offset', '2262-04-11T22:47:16.854775807-01:00'],
  ['2262 beyond the range but back inside by its offset', '2262-04-12T00:30:00+01:00'],
  ['year 9999', '9999-12-31T23:59:59Z'],
  ['a five-digit year', '10000-01-01T00:00:00Z'],
  ['a signed year', '+2024-03-01T12:00:00Z'],
  ['a negative year', '-2024-03-01T12:00:00Z'],
  ['a leading space', ' 2024-03-01T12:00:00Z'],
  ['a trailing space', '2024-03-01T12:00:00Z '],
  ['a trailing newline', '2024-03-01T12:00:00Z\n'],
  ['a trailing no-break space', '2024-03-01T12:00:00Z\u00a0'],
  ['full-width digits', '\uff12\uff10\uff12\uff14-03-01T12:00:00Z'],
  ['a date only', '2024-03-01'],
  ['the empty string', ''],
  ['a number', 1709251200],
  ['a fractional number', 1.5],
  ['null', null],
  ['a boolean', true],
  ['an array holding a timestamp', ['2024-03-01T12:00:00Z']],
  ['an object', { t: '2024-03-01T12:00:00Z' }],
];

const SEMVER_VALID_CASES: ReadonlyArray<Case<unknown>> = [
  ['a plain version', '1.2.3'],
  ['all zeros', '0.0.0'],
  ['a leading v', 'v1.2.3'],
  ['a leading capital V', 'V1.2.3'],
  ['two leading vs', 'vv1.2.3'],
  ['a lone v', 'v'],
  ['a leading zero in major', '01.2.3'],
  ['a leading zero in minor', '1.02.3'],
  ['a leading zero in patch', '1.2.03'],
  ['two components', '1.2'],
  ['four components', '1.2.3.4'],
  ['an empty component', '1..3'],
  ['the empty string', ''],
  ['a leading space', ' 1.2.3'],
  ['a trailing space', '1.2.3 '],
  ['a trailing newline', '1.2.3\n'],
  ['a trailing newline after a pre-release', '1.2.3-rc.1\n'],
  ['a sign on major', '+1.2.3'],
  ['a negative minor', '1.-2.3'],
  ['a hexadecimal major', '0x1.2.3'],
  ['an underscore in a number', '1_0.2.3'],
  ['full-width digits', '\uff11.2.3'],
  ['major at int64 max', '9223372036854775807.0.0'],
  ['major beyond int64', '9223372036854775808.0.0'],
  ['a pre-release', '1.2.3-alpha.1'],
  ['an empty pre-release', '1.2.3-'],
  ['an empty pre-release identifier', '1.2.3-a..b'],
  ['a trailing dot in a pre-release', '1.2.3-a.'],
  ['a numeric pre-release identifier with a leading zero', '1.2.3-01'],
  ['a later numeric identifier with a leading zero', '1.2.3-alpha.007'],
  ['a zero pre-release identifier', '1.2.3-0'],
  ['an alphanumeric identifier starting with zero', '1.2.3-0a'],
  ['hyphens inside a pre-release', '1.2.3----RC-SNAPSHOT.12.9.1--.12+788'],
  ['an underscore in a pre-release', '1.2.3-beta_1'],
  ['a non-ASCII pre-release', '1.2.3-\u03b1'],
  ['a pre-release number beyond int64', '1.2.3-99999999999999999999'],
  ['build metadata', '1.2.3+build.5'],
  ['build metadata with a leading zero', '1.2.3+001'],
  ['empty build metadata', '1.2.3+'],
  ['an empty pre-release before metadata', '1.2.3-+build'],
  ['an empty metadata identifier', '1.1.2+.123'],
  ['two plus signs', '1.2.3+a+b'],
  ['a hyphen in build metadata', '1.2.3+build-1'],
  ['a pre-release and metadata', '1.0.0-rc.1+build.1'],
  ['a pre-release in the middle', '1.2-rc.3'],
  ['only a pre-release', '-invalid'],
  ['only metadata', '+invalid'],
  ['a v with a pre-release', 'v1.0.0-0A.is.legal'],
  ['a number', 1],
  ['a float', 1.2],
  ['null', null],
  ['a boolean', false],
  ['an array holding a version', ['1.2.3']],
  ['an object', { version: '1.2.3' }],
];

/** SemVer 2.0.0 §11's own example, in increasing precedence. */
const PRECEDENCE_CHAIN: readonly string[] = [
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
];

const SEMVER_COMPARE_CASES: ReadonlyArray<Case<readonly [unknown, unknown]>> = [
  ['equal versions', ['1.2.3', '1.2.3']],
  ['a higher major', ['2.0.0', '1.9.9']],
  ['a lower minor', ['1.9.0', '1.10.0']],
  ['a higher patch', ['1.0.10', '1.0.9']],
  ['a leading v on one side', ['v1.2.3', '1.2.3']],
  ['different build metadata', ['1.2.3+a', '1.2.3+b']],
  ['metadata against none', ['1.2.3+build', '1.2.3']],
  ['equal pre-releases with different metadata', ['1.2.3-rc.1+x', '1.2.3-rc.1+y']],
  ['a release against its pre-release', ['1.0.0', '1.0.0-0']],
  ['a pre-release against its release', ['1.0.0-rc.1', '1.0.0']],
  ['a pre-release of a higher version', ['1.0.1-alpha', '1.0.0']],
  ['numeric identifiers by value', ['1.0.0-10', '1.0.0-9']],
  ['a numeric identifier against an alphanumeric one', ['1.0.0-1', '1.0.0-a']],
  ['an alphanumeric identifier with digits against a number', ['1.0.0-1a', '1.0.0-10']],
  ['upper case before lower case', ['1.0.0-a', '1.0.0-A']],
  ['a hyphen against a letter', ['1.0.0--', '1.0.0-a']],
  ['a hyphenated identifier against its prefix', ['1.0.0-a-b', '1.0.0-a']],
  ['more identifiers', ['1.0.0-a.b', '1.0.0-a']],
  ['fewer identifiers', ['1.0.0-a', '1.0.0-a.0']],
  ['numbers deep in the pre-release', ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100']],
  ['a hyphenated pre-release against a plain one', ['1.2.3-rc.1-1-1hash', '1.2.3-rc.2']],
  ['majors at the int64 edge', ['9223372036854775807.0.0', '9223372036854775806.0.0']],
  ['pre-release numbers either side of int64 max', ['1.0.0-9223372036854775806', '1.0.0-9223372036854775807']],
  ['pre-release numbers beyond int64 that tie, then differ', ['1.0.0-99999999999999999999.a', '1.0.0-99999999999999999998.b']],
  ['int64 max against a larger number, then letters', ['1.0.0-9223372036854775807.b', '1.0.0-9223372036854775808.a']],
  ['pre-release numbers beyond int64 with more identifiers', ['1.0.0-99999999999999999999.1', '1.0.0-99999999999999999998']],
  ['an invalid left operand', ['1.2', '1.2.3']],
  ['an invalid right operand', ['1.2.3', '01.2.3']],
  ['two invalid operands', ['', 'x']],
  ['a leading capital V', ['V1.2.3', '1.2.3']],
  ['a number on the left', [1, '1.2.3']],
  ['a number on the right', ['1.2.3', 1.2]],
  ['null operands', [null, null]],
  ['an array operand', [['1.2.3'], '1.2.3']],
  ['a trailing space', ['1.2.3 ', '1.2.3']],
  ['a leading-zero pre-release number', ['1.2.3-01', '1.2.3-1']],
  ['zero against an alphanumeric starting with zero', ['1.2.3-0', '1.2.3-0a']],
  ['equal versions with v on both sides', ['v0.0.0', 'v0.0.0']],
  ['0.0.0 against its pre-release', ['0.0.0', '0.0.0-foo']],
  ['case-sensitive pre-releases', ['1.2.3-5-foo', '1.2.3-5-Foo']],
];

const PRECEDENCE_PAIRS: ReadonlyArray<readonly [string, string]> = PRECEDENCE_CHAIN.flatMap((a) =>
  PRECEDENCE_CHAIN.map((b) => [a, b] as const),
);

/** OPA's answers, by case index; an absent index is an undefined result. */
interface Oracle {
  timeNs: Record<string, string>;
  semverValid: Record<string, boolean>;
  semverCompare: Record<string, number>;
  precedence: Record<string, number>;
}

const oracle: Oracle = { timeNs: {}, semverValid: {}, semverCompare: {}, precedence: {} };

function opaEvalWithInput(query: string, input: unknown): unknown {
  const out = JSON.parse(runOpa(['eval', '--format', 'json', '--stdin-input', query], JSON.stringify(input)));
  return out.result[0].expressions[0].value;
}

function rawText(result: unknown): unknown {
  return result instanceof ArrayBuffer ? new TextDecoder().decode(result) : result;
}

const builtins = suite('host builtins');

builtins.before(() => {
  // One opa eval per family. format_int keeps every digit of the nanoseconds (it formats
  // integers through big.Int), so the oracle's answer is compared as exact decimal text.
  oracle.timeNs = opaEvalWithInput('{i: format_int(time.parse_rfc3339_ns(x), 10) | some i, x in input.time}', {
    time: TIME_CASES.map(([, value]) => value),
  }) as Oracle['timeNs'];
  const answers = opaEvalWithInput(
    `{
      "valid": {i: semver.is_valid(x) | some i, x in input.valid},
      "compare": {i: semver.compare(p[0], p[1]) | some i, p in input.compare},
      "precedence": {i: semver.compare(p[0], p[1]) | some i, p in input.precedence},
    }`,
    {
      valid: SEMVER_VALID_CASES.map(([, value]) => value),
      compare: SEMVER_COMPARE_CASES.map(([, pair]) => pair),
      precedence: PRECEDENCE_PAIRS,
    },
  ) as { valid: Oracle['semverValid']; compare: Oracle['semverCompare']; precedence: Oracle['precedence'] };
  oracle.semverValid = answers.valid;
  oracle.semverCompare = answers.compare;
  oracle.precedence = answers.precedence;
});

builtins('the oracle answers cover accepted and refused inputs of every builtin', () => {
  // Guards against a vacuous comparison, e.g. an opa query that is undefined for every case.
  const timeAccepted = Object.keys(oracle.timeNs).length;
  assert.ok(timeAccepted >= 20 && timeAccepted <= TIME_CASES.length - 20, `time: ${timeAccepted} accepted`);
  const valid = Object.values(oracle.semverValid);
  assert.is(valid.length, SEMVER_VALID_CASES.length);
  assert.ok(valid.filter(Boolean).length >= 10 && valid.filter((v) => !v).length >= 10);
  const compared = Object.values(oracle.semverCompare);
  assert.ok([-1, 0, 1].every((n) => compared.includes(n)) && compared.length <= SEMVER_COMPARE_CASES.length - 10);
});

TIME_CASES.forEach(([behaviour, value], i) => {
  builtins(`time.parse_rfc3339_ns agrees with opa on ${behaviour} (${JSON.stringify(value)})`, () => {
    assert.is(rawText(parseRfc3339Ns(value)), oracle.timeNs[i]);
  });
});

builtins('time.parse_rfc3339_ns returns nanoseconds beyond 2^53 as exact JSON integer text', () => {
  const result = parseRfc3339Ns('2262-04-11T23:47:16.854775807Z');
  assert.instance(result, ArrayBuffer);
  assert.is(rawText(result), '9223372036854775807');
});

SEMVER_VALID_CASES.forEach(([behaviour, value], i) => {
  builtins(`semver.is_valid agrees with opa on ${behaviour} (${JSON.stringify(value)})`, () => {
    assert.is(semverIsValid(value), oracle.semverValid[i]);
  });
});

SEMVER_COMPARE_CASES.forEach(([behaviour, [a, b]], i) => {
  builtins(`semver.compare agrees with opa on ${behaviour} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`, () => {
    assert.is(semverCompare(a, b), oracle.semverCompare[i]);
  });
});

builtins('semver.compare orders the SemVer 2.0.0 precedence example as opa does, for every pair', () => {
  PRECEDENCE_PAIRS.forEach(([a, b], i) => {
    const expected = Math.sign(PRECEDENCE_CHAIN.indexOf(a) - PRECEDENCE_CHAIN.indexOf(b));
    assert.is(oracle.precedence[i], expected, `opa: ${a} vs ${b}`);
    assert.is(semverCompare(a, b), expected, `dfw: ${a} vs ${b}`);
  });
});

builtins('semver.compare is undefined where opa never answers: pre-releases that tie only after int64 clamping', () => {
  // OPA reads numeric identifiers with strconv.Atoi, which clamps to int64 max; when all
  // identifiers then tie, its comparison loop never ends (checked by hand with
  // `timeout 10 opa eval 'semver.compare("1.0.0-99999999999999999999", "1.0.0-99999999999999999998")'`).
  // No oracle can run here, so this pins dfw's choice: no value, and no hang.
  assert.is(semverCompare('1.0.0-99999999999999999999', '1.0.0-99999999999999999998'), undefined);
  assert.is(semverCompare('1.0.0-a.9223372036854775807', '1.0.0-a.9223372036854775808'), undefined);
});

builtins.run();
