// SPDX license expressions (SPDX 2.3 Annex D: "MIT OR (Apache-2.0 AND BSD-3-Clause)",
// "GPL-2.0-only WITH Classpath-exception-2.0") -> the alternatives a user may choose from,
// each a list of terms that all apply (disjunctive normal form). Rules cannot recurse, so
// the policy reads this parsed form (DFW-SBOM-002): a component is allowed when one
// alternative has no banned licence.
//
// A small parser of our own rather than spdx-expression-parse: that library refuses any
// identifier outside the SPDX list, and scanners report names like "Apache License 2.0"
// or "LicenseRef-…", which must still be judged, not dropped.

/** More alternatives than this (a long chain of ANDed ORs) are folded into one: see below. */
const MAX_CHOICES = 64;

type Node = { term: string } | { op: 'AND' | 'OR'; left: Node; right: Node };

class ExpressionError extends Error {}

function tokenize(expression: string): string[] {
  return expression.match(/\(|\)|[^\s()]+/g) ?? [];
}

// Precedence (Annex D.4): WITH binds tightest, then AND, then OR; parentheses override.
function parse(tokens: string[]): Node {
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (token: string | undefined, op: string) => token !== undefined && token.toUpperCase() === op;
  const primary = (): Node => {
    const token = tokens[at++];
    if (token === undefined) throw new ExpressionError('unexpected end');
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') throw new ExpressionError('missing )');
      return inner;
    }
    if (token === ')' || isOp(token, 'AND') || isOp(token, 'OR') || isOp(token, 'WITH')) throw new ExpressionError(`unexpected ${token}`);
    if (isOp(peek(), 'WITH')) {
      at += 1;
      const exception = tokens[at++];
      if (exception === undefined || exception === '(' || exception === ')') throw new ExpressionError('WITH without an exception');
      return { term: `${token} WITH ${exception}` };
    }
    return { term: token };
  };
  const and = (): Node => {
    let left = primary();
    while (isOp(peek(), 'AND')) {
      at += 1;
      left = { op: 'AND', left, right: primary() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (isOp(peek(), 'OR')) {
      at += 1;
      left = { op: 'OR', left, right: and() };
    }
    return left;
  };
  const node = or();
  if (at !== tokens.length) throw new ExpressionError(`unexpected ${tokens[at]}`);
  return node;
}

function unique(terms: string[]): string[] {
  return [...new Set(terms)];
}

function normalForm(node: Node): string[][] {
  if ('term' in node) return [[node.term]];
  const left = normalForm(node.left);
  const right = normalForm(node.right);
  if (node.op === 'OR') return [...left, ...right];
  return left.flatMap((a) => right.map((b) => unique([...a, ...b])));
}

/** Every licence-like token of an expression, operators and parentheses left out. */
function allTerms(expression: string): string[] {
  return unique(tokenize(expression).filter((t) => t !== '(' && t !== ')' && !['AND', 'OR', 'WITH'].includes(t.toUpperCase())));
}

/**
 * The alternatives of one component whose licences are `expressions` (each an SPDX
 * expression, an identifier or free text; several apply together, as CycloneDX lists and
 * SPDX concluded licences do). Returns [] when there is no licence.
 *
 * What cannot be parsed (unbalanced parentheses, a dangling operator) and what would
 * expand past MAX_CHOICES is folded into one alternative holding every term: a banned
 * licence anywhere in it then bans the component, so the fallback errs on the side of
 * denying, never of allowing.
 */
export function licenseChoices(expressions: readonly string[]): string[][] {
  let choices: string[][] = [[]];
  for (const expression of expressions) {
    if (expression.trim() === '') continue;
    let own: string[][];
    try {
      own = normalForm(parse(tokenize(expression)));
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      own = [allTerms(expression)];
    }
    choices = choices.flatMap((a) => own.map((b) => unique([...a, ...b])));
    if (choices.length > MAX_CHOICES) choices = [unique(choices.flat())];
  }
  const result = choices.filter((c) => c.length > 0);
  return result.length > MAX_CHOICES ? [unique(result.flat())] : result;
}
