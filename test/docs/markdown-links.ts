// Finds what a Markdown file points at that does not exist: a link to a missing file or heading, a repository path.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

/** The Markdown text without its fenced code blocks (a `#` line in a shell block is no heading). */
function withoutCode(text: string): string {
  return text.replace(/^\s*(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\1\s*$/gm, '');
}

/** The anchors of every heading in `file`. */
function anchorsIn(file: string): Set<string> {
  const headings = withoutCode(readFileSync(file, 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((line) => anchorOf(line.replace(/^#+ /, ''))));
}

/** Links in `file` (relative to `root`) to a file that does not exist or a heading it does not have. */
export function brokenLinks(root: string, file: string): string[] {
  const source = path.join(root, file);
  const links = [...withoutCode(readFileSync(source, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);
  return links.filter((link) => {
    if (/^[a-z]+:/i.test(link)) return false;
    const [target, anchor] = link.split('#');
    const linked = target ? path.resolve(path.dirname(source), target) : source;
    if (!existsSync(linked)) return true;
    return Boolean(anchor) && linked.endsWith('.md') && !anchorsIn(linked).has(anchor);
  });
}

/** Paths of this repository named in backticks (`src/...`, `test/...`, `docs/...`, `bin/...`) that do not exist. */
export function missingPaths(root: string, file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const named = [...text.matchAll(/`((?:src|test|docs|bin)\/[\w./-]*[\w/])`/g)].map((match) => match[1]);
  return [...new Set(named)].filter((name) => !name.includes('*') && !existsSync(path.join(root, name)));
}
