// Parsing of `chronus send -f FILE` scripts: one command a line, `/address arg arg…`; blank
// lines and comments are skipped: a `#` that starts a word (outside quotes) runs to the end of
// the line, so whole-line and trailing comments both work (quote a value that starts with `#`;
// `F#3` is not a comment). Arguments are split on blanks; "double" or 'single' quotes keep
// blanks inside one argument ("- F1"), a backslash escapes the next character inside double
// quotes and outside quotes. Each argument becomes an OSC value as on the command line
// (parseCliArg): numbers, true/false, else strings.

import { parseCliArg } from '../control/osc-client.js';
import type { OscValue } from '../control/command-table.js';

export interface ScriptCommand {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly address: string;
  readonly args: OscValue[];
  /** The line as written, for error messages. */
  readonly text: string;
}

export interface ScriptError {
  readonly line: number;
  readonly message: string;
}

/** Splits one line into arguments (see the header). Throws Error on an unclosed quote. */
export function splitArguments(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) current += text[++i]!;
      else current += c;
    } else if (c === '#' && !inToken) {
      break;
    } else if (c === '"' || c === "'") {
      quote = c;
      inToken = true;
    } else if (c === '\\' && i + 1 < text.length) {
      current += text[++i]!;
      inToken = true;
    } else if (c === ' ' || c === '\t') {
      if (inToken) out.push(current);
      current = '';
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (quote !== undefined) throw new Error(`unclosed ${quote} quote`);
  if (inToken) out.push(current);
  return out;
}

/** Every command of a script, or every error (nothing is sent when there is one). */
export function parseScript(source: string): { readonly commands: ScriptCommand[]; readonly errors: ScriptError[] } {
  const commands: ScriptCommand[] = [];
  const errors: ScriptError[] = [];
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === '' || text.startsWith('#')) continue;
    let words: string[];
    try {
      words = splitArguments(text);
    } catch (error) {
      errors.push({ line: i + 1, message: (error as Error).message });
      continue;
    }
    const address = words[0];
    if (address === undefined) continue;
    if (!address.startsWith('/')) {
      errors.push({ line: i + 1, message: `a command starts with an OSC address such as /gate/adsr1, not '${address}'` });
      continue;
    }
    commands.push({ line: i + 1, address, args: words.slice(1).map(parseCliArg), text });
  }
  return { commands, errors };
}
