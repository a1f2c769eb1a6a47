// XML 1.0 escaping for the JUnit report: text, attribute values, and characters XML cannot carry.

// XML 1.0 §2.2 (Char): anything outside these ranges cannot appear in a document, not even as
// a character reference, so it is dropped (with /u, lone surrogates are dropped too).
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content: the five predefined entities, and \r, which §2.11 would turn into \n. */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Attribute values also keep tabs and newlines, which §3.3.3 normalisation would turn into spaces. */
export function escapeAttribute(text: string): string {
  return escapeXml(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

export function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
}
