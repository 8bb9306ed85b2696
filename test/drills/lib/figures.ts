import { appendFileSync } from 'node:fs';
import { CI } from './scale';

/**
 * Prints a drill's figures as one block on stdout (and appends them as a JSON line to
 * DRILLS_RESULTS, if set, for docs/reliability.md).
 */
export function printFigures(drill: string, figures: Record<string, string | number | boolean>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  process.stdout.write(`\n== drill: ${drill} (${CI ? 'ci' : 'full'} scale)\n${lines.join('\n')}\n`);
  if (process.env.DRILLS_RESULTS)
    appendFileSync(
      process.env.DRILLS_RESULTS,
      `${JSON.stringify({ drill, scale: CI ? 'ci' : 'full', at: new Date().toISOString(), ...figures })}\n`,
    );
}
