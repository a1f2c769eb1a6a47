// Identities compared for separation of duties (who asked for a waiver, who approves it).
// Exact string comparison lets "TADMIN", " tadmin", "tadmin\u200b" or "tаdmin" (Cyrillic а)
// pass as someone else, so names are compared after normalisation — trim, Unicode NFKC
// (compatibility forms such as full-width letters fold to ASCII), and case folding — and
// names that no normalisation makes safe are refused: invisible characters and letters of
// scripts mixed within one name (UTS #39's "highly restrictive" level, which still allows
// Latin with Han and the Japanese or Korean scripts). Web-standard: engine-safe.

/**
 * Characters that render as nothing or look like a space: controls, format characters
 * (U+200B zero-width space, U+200D joiner, U+2060, U+FEFF, bidi controls), private use,
 * unassigned code points, line and paragraph separators, and invisible letters and marks
 * (combining grapheme joiner, Hangul fillers, Mongolian and Unicode variation selectors).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0\u{E0100}-\u{E01EF}]/u;
/** Whitespace other than the plain space, which NFKC does not fold (e.g. U+1680 OGHAM SPACE MARK). */
const ODD_SPACE = /[^\S ]/u;

const SCRIPTS = [
  'Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali', 'Gurmukhi',
  'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Ethiopic', 'Cherokee',
  'Canadian_Aboriginal', 'Khmer', 'Mongolian', 'Han', 'Hiragana', 'Katakana', 'Bopomofo', 'Hangul', 'Coptic', 'Runic', 'Ogham',
] as const;
const SCRIPT_TESTS = SCRIPTS.map((name) => ({ name, test: new RegExp(`\\p{Script=${name}}`, 'u') }));

/** Scripts that may share one name (UTS #39 §5.2, highly restrictive). */
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

/** The scripts of the letters in `text` (digits and punctuation belong to none). */
function scriptsOf(text: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of text) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(SCRIPT_TESTS.find((s) => s.test.test(char))?.name ?? 'Other');
  }
  return scripts;
}

/** Why `name` cannot serve as an identity, or undefined when it can. */
export function identityProblem(name: string): string | undefined {
  const normalized = name.normalize('NFKC').trim();
  if (normalized === '') return 'is empty';
  const invisible = INVISIBLE.exec(normalized) ?? ODD_SPACE.exec(normalized);
  if (invisible) {
    const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `contains an invisible or control character (U+${code}); type the name without it`;
  }
  const scripts = scriptsOf(normalized);
  if (scripts.size > 1 && !ALLOWED_MIXES.some((allowed) => [...scripts].every((s) => allowed.has(s)))) {
    return `mixes letters of the ${[...scripts].sort().join(' and ')} scripts, which lets one name look like another; use one script`;
  }
  return undefined;
}

/**
 * The form two identities are compared in: trimmed, NFKC, case folded (upper then lower
 * approximates Unicode full case folding: "ß" and "SS" both become "ss").
 */
export function normalizeIdentity(name: string): string {
  return name.normalize('NFKC').trim().toUpperCase().toLowerCase().normalize('NFKC');
}

/** Whether two names denote the same identity. */
export function sameIdentity(a: string, b: string): boolean {
  return normalizeIdentity(a) === normalizeIdentity(b);
}
