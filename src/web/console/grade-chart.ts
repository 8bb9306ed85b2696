/**
 * An enterprise's grade over time as a small server-drawn SVG step chart: one row per grade
 * (A at the top), time left to right from the first grade to now, a step where the grade moved.
 * No script, no library; the page prints the same intervals in a table beside it.
 */
import { escapeXml } from '../../common/xml';

export interface GradeInterval {
  grade: 'A' | 'B' | 'C' | 'D';
  validFrom: Date | string;
  validTo: Date | string | null;
}

const WIDTH = 640;
const HEIGHT = 180;
const MARGIN = { top: 14, right: 16, bottom: 30, left: 72 };
const GRADES = ['A', 'B', 'C', 'D'] as const;
/** Darker than 3:1 against white: green, blue, amber-brown, red. */
const COLORS: Record<(typeof GRADES)[number], string> = { A: '#1b7f3b', B: '#1f5fa8', C: '#8a5a00', D: '#b3261e' };

export interface GradeChartSpec {
  title: string;
  intervals: GradeInterval[];
  now: Date;
  /** `A 守信` for `A`. */
  gradeName: (grade: string) => string;
  /** A date for the axis (Beijing time). */
  day: (at: Date) => string;
}

export function gradeChart(spec: GradeChartSpec): string {
  const intervals = [...spec.intervals].sort((a, b) => +new Date(a.validFrom) - +new Date(b.validFrom));
  const x0 = MARGIN.left;
  const x1 = WIDTH - MARGIN.right;
  const rowHeight = (HEIGHT - MARGIN.top - MARGIN.bottom) / GRADES.length;
  const yOf = (grade: string) => MARGIN.top + rowHeight * (GRADES.indexOf(grade as 'A') + 0.5);
  const parts: string[] = [];
  GRADES.forEach((grade) => {
    const y = yOf(grade);
    parts.push(
      `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${x0 - 8}" y="${y + 4}" text-anchor="end" font-size="12" fill="${COLORS[grade]}">${escapeXml(spec.gradeName(grade))}</text>`,
    );
  });
  if (intervals.length) {
    const start = +new Date(intervals[0].validFrom);
    const end = Math.max(+spec.now, start + 1);
    const xOf = (t: number) => x0 + ((t - start) / (end - start)) * (x1 - x0);
    let path = '';
    intervals.forEach((interval, i) => {
      const from = xOf(+new Date(interval.validFrom));
      const to = xOf(interval.validTo ? +new Date(interval.validTo) : end);
      const y = yOf(interval.grade);
      path += `${i === 0 ? 'M' : 'L'}${from.toFixed(1)},${y} L${to.toFixed(1)},${y} `;
      parts.push(
        `<circle cx="${from.toFixed(1)}" cy="${y}" r="3.5" fill="${COLORS[interval.grade]}"><title>${escapeXml(
          `${spec.gradeName(interval.grade)} ${spec.day(new Date(interval.validFrom))}`,
        )}</title></circle>`,
      );
    });
    parts.unshift(`<path d="${path.trim()}" fill="none" stroke="#333" stroke-width="2"/>`);
    const axisY = HEIGHT - MARGIN.bottom + 18;
    const [first, last] = [spec.day(new Date(start)), spec.day(new Date(end))];
    parts.push(`<text x="${x0}" y="${axisY}" font-size="12" fill="#333">${escapeXml(first)}</text>`);
    // Graded today: one date, not the same one at both ends.
    if (last !== first)
      parts.push(`<text x="${x1}" y="${axisY}" font-size="12" text-anchor="end" fill="#333">${escapeXml(last)}</text>`);
  }
  return (
    `<svg class="chart" role="img" aria-label="${escapeXml(spec.title)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
    `xmlns="http://www.w3.org/2000/svg"><title>${escapeXml(spec.title)}</title>${parts.join('')}</svg>`
  );
}
