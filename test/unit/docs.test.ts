/**
 * The README and docs/ stand on their own and say what the code does: links resolve inside the
 * repository, every setting and command is documented, the policy is the one `validate`
 * returns, and a command listed as landing later does not exist yet.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { listCommandPaths } from '../../src/cli/program.ts';
import { CONFIG_FILE_ENV, SETTINGS } from '../../src/config/schema.ts';
import { seedPolicyDocument } from '../../src/providers/prerequisites.ts';

const documents = ['README.md', ...readdirSync('docs').map((name) => join('docs', name))];
const read = (path: string) => readFileSync(path, 'utf8');

/** The rows of the markdown table that follows `heading`. */
function tableAfter(text: string, heading: string): string[] {
  const from = text.indexOf(heading);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of text.slice(from).split('\n').slice(1)) {
    if (line.startsWith('|')) {
      rows.push(line);
    } else if (rows.length > 0) {
      break;
    }
  }
  return rows.slice(2);
}

describe('README and docs/', () => {
  it('link only to files of the repository (users never see the design notes)', () => {
    for (const path of documents) {
      const text = read(path);
      expect(text, path).not.toMatch(/\.\.\/shared|\/work\/|(CONTRACT|DESIGN|STYLE)\.md/);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (!/^https?:/.test(target ?? '')) {
          expect(existsSync(join(dirname(path), target ?? '')), `${path} → ${target}`).toBe(true);
        }
      }
    }
  });

  it('docs/configuration.md lists every setting', () => {
    const rows = tableAfter(read('docs/configuration.md'), '## Settings').join('\n');
    for (const env of [CONFIG_FILE_ENV, ...Object.values(SETTINGS).map((spec) => spec.env)]) {
      expect(rows, env).toContain(`\`${env}\``);
    }
  });

  it('docs/iam-permissions.md shows the policy validate returns', () => {
    const text = read('docs/iam-permissions.md');
    const json = /```json\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(seedPolicyDocument());
  });

  it("the README's way from the demo to a real AWS account shows the same policy", () => {
    const text = read('README.md');
    const from = text.indexOf('### From the demo to a real AWS account');
    expect(from).toBeGreaterThan(0);
    const json = /```json\n([\s\S]*?)```/.exec(text.slice(from))?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(seedPolicyDocument());
  });

  it('docs/cli.md documents every command, and lists as landing later only what is missing', () => {
    const text = read('docs/cli.md');
    const commands = listCommandPaths().filter((path) => path !== 'help');
    for (const path of commands) {
      expect(text, path).toContain(`iam-pam ${path}`);
    }
    const later = tableAfter(text, '## Landing later').map(
      (row) => /`iam-pam ([a-z-]+)/.exec(row)?.[1] ?? row,
    );
    expect(later).toEqual([]);
    for (const name of later) {
      expect(
        commands,
        `"${name}" exists now: document it and move it out of "Landing later"`,
      ).not.toContain(name);
    }
  });
});
