/** Reads a JSON file named on the command line, with errors that name the option and the file. */
import { readFileSync } from 'node:fs';

import { invalidInput } from '../errors.ts';

export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalidInput(
      `${option} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidInput(`${option} ${path}: not valid JSON (${(err as Error).message})`);
  }
}

/**
 * A number from an option (`-5` and `1.5` too), or the raw text: either way the schema judges
 * the value and names what is wrong with it.
 */
export function numberOption(value: string | undefined): number | string | undefined {
  return value !== undefined && /^[+-]?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
}
