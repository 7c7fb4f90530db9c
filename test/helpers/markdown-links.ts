// Relative links in Markdown files, checked the way GitHub renders them: a link to a file must
// name an existing file or folder, and a `#fragment` must name a heading of the target Markdown
// file (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2`, ... for
// repeated headings) or an explicit `<a id>`/`<a name>`. Links to other sites are not fetched.
// Used by test/cli/links.test.ts. Threading: any; reads files.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface BrokenLink {
  /** The file holding the link. */
  readonly file: string;
  /** 1-based line of the link. */
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** Lines outside fenced code blocks (the others are blanked, so line numbers stay right). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === undefined && opening !== null) {
      fence = opening[1]![0]!.repeat(3);
      return '';
    }
    if (fence !== undefined) {
      if (line.trimStart().startsWith(fence)) fence = undefined;
      return '';
    }
    return line;
  });
}

/** Text without inline code spans (links inside them are not links). */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[^`]*?\1/g, '');
}

/** GitHub's anchor for a heading's text. */
export function headingSlug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // links: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown text defines: its headings' slugs and explicit HTML anchors. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading !== null) {
      const slug = headingSlug(heading[1]!);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

/** Link targets of a Markdown text with their lines: inline links and reference definitions. */
export function linksOf(text: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  proseLines(text).forEach((raw, i) => {
    const line = withoutCodeSpans(raw);
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line: i + 1, target: m[1]! });
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (definition !== null) links.push({ line: i + 1, target: definition[1]! });
  });
  return links;
}

/** The broken relative links of the Markdown file at `file` (an absolute path). */
export function brokenLinks(file: string): BrokenLink[] {
  const text = readFileSync(file, 'utf8');
  const broken: BrokenLink[] = [];
  for (const { line, target } of linksOf(text)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...: not checked here
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const path = pathPart === '' ? file : resolve(dirname(file), pathPart);
    if (!existsSync(path)) {
      broken.push({ file, line, target, reason: 'no such file' });
      continue;
    }
    if (fragment === undefined) continue;
    if (statSync(path).isDirectory() || !path.endsWith('.md')) {
      broken.push({ file, line, target, reason: 'a #fragment on something that is not a Markdown file' });
      continue;
    }
    const anchors = path === file ? anchorsOf(text) : anchorsOf(readFileSync(path, 'utf8'));
    if (!anchors.has(fragment)) broken.push({ file, line, target, reason: `no heading or anchor '${fragment}'` });
  }
  return broken;
}
