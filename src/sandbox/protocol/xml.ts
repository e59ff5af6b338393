/** Small XML writers for the Query protocol's responses: elements, `<member>` lists, dates. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#xD;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c);
}

/** `<name>text</name>`, or nothing when the value is absent (optional output members). */
export function xmlText(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) {
    return '';
  }
  return `<${name}>${typeof value === 'string' ? escapeXml(value) : String(value)}</${name}>`;
}

/** An element whose content is already XML. */
export function xmlElement(name: string, innerXml: string): string {
  return `<${name}>${innerXml}</${name}>`;
}

/** A list: `<name><member>…</member>…</name>`, or `<name/>` when empty (the SDK reads `[]`). */
export function xmlList(name: string, membersXml: readonly string[]): string {
  if (membersXml.length === 0) {
    return `<${name}/>`;
  }
  return `<${name}><member>${membersXml.join('</member><member>')}</member></${name}>`;
}

/** ISO 8601 UTC as IAM writes it: whole seconds (`2012-09-21T23:03:13Z`). */
export function isoSeconds(ms: number): string {
  return new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
}

/** ISO 8601 UTC with milliseconds (CreateAccessKey's own answer carries them). */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}
