/**
 * Where each statement sits in a policy document's text, for SimulatePrincipalPolicy's
 * `MatchedStatements` Start/EndPosition. The text is already known to be valid JSON.
 */

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] ?? '')) {
    i++;
  }
  return i;
}

function skipString(text: string, i: number): number {
  i++; // opening quote
  while (i < text.length && text[i] !== '"') {
    i += text[i] === '\\' ? 2 : 1;
  }
  return i + 1;
}

/** The offset just past the value that starts at `i`. */
function skipValue(text: string, i: number): number {
  const open = text[i];
  if (open === '"') {
    return skipString(text, i);
  }
  if (open !== '{' && open !== '[') {
    while (i < text.length && !/[\s,\]}]/.test(text[i] ?? '')) {
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = skipString(text, i);
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        return i + 1;
      }
    }
    i++;
  }
  return i;
}

function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Start and end of every statement of the top-level `Statement` (an array or one object). */
export function statementSpans(text: string): Array<{ start: TextPosition; end: TextPosition }> {
  const spans: Array<[number, number]> = [];
  let i = skipSpace(text, 0);
  if (text[i] !== '{') {
    return [];
  }
  i = skipSpace(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past ':'
    const valueEnd = skipValue(text, i);
    if (key === 'Statement' && text[i] === '{') {
      spans.push([i, valueEnd]);
    } else if (key === 'Statement' && text[i] === '[') {
      let j = skipSpace(text, i + 1);
      while (j < valueEnd - 1) {
        const end = skipValue(text, j);
        spans.push([j, end]);
        j = skipSpace(text, end);
        j = text[j] === ',' ? skipSpace(text, j + 1) : j;
      }
    }
    i = skipSpace(text, valueEnd);
    i = text[i] === ',' ? skipSpace(text, i + 1) : i;
  }
  return spans.map(([start, end]) => ({
    start: positionOf(text, start),
    end: positionOf(text, end),
  }));
}
