// Small helpers shared by the benchmark commands: numeric options and table rows.

/** The number after `name` in `args`, or `fallback` when absent; throws when it is not a number. */
export function option(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
  return v;
}

/** One table row: each cell right-aligned to its width (default 8). */
export function pad(cells: Array<string | number>, widths: number[]): string {
  return cells.map((c, i) => String(c).padStart(widths[i] ?? 8)).join('  ');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
