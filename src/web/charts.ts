/**
 * A small hand-written SVG bar chart for the statistics page: server-side, no chart library,
 * no script. Grouped vertical bars with a labelled value axis, category labels, a legend, an
 * optional reference line (the 92 % target), and each bar's value as text (`<title>` and, for
 * screen readers, the page prints the same figures in a table beside the chart).
 */
import { escapeXml } from '../common/xml';

export interface BarSeries {
  name: string;
  values: number[];
  /** A fill with at least 3:1 contrast against white. */
  color: string;
}

export interface BarChartSpec {
  /** Accessible name of the chart. */
  title: string;
  categories: string[];
  series: BarSeries[];
  xLabel: string;
  yLabel: string;
  /** A horizontal reference line, e.g. the pass-rate target. */
  reference?: { value: number; label: string };
  /** Upper end of the value axis (defaults to a round number above the data). */
  max?: number;
  /** Formats axis ticks and bar values (defaults to integers). */
  format?: (value: number) => string;
  /** Stack the series in one bar per category instead of grouping them side by side. */
  stacked?: boolean;
  /** Print a zero value above its (empty) bar too, where zero is a figure and not an absence. */
  labelZero?: boolean;
}

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { top: 36, right: 12, bottom: 64, left: 52 };

/** The one XML escaper (`common/xml`), also exported from here, where the chart's tests find it. */
export { escapeXml };

/** 1, 2 or 5 times a power of ten, at or above `value / 4`, so the axis has about five ticks. */
export function niceStep(max: number): number {
  if (max <= 0) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return step;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The value axis both charts draw: how values are written, each category's bar total, the tick step, the axis's end. */
function valueAxis(spec: BarChartSpec): { format: (v: number) => string; totals: number[]; step: number; max: number } {
  const format = spec.format ?? ((v: number) => String(Math.round(v)));
  const totals = spec.categories.map((_, i) =>
    spec.stacked
      ? spec.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0)
      : Math.max(0, ...spec.series.map((s) => s.values[i] ?? 0)),
  );
  const dataMax = Math.max(0, ...totals, spec.reference?.value ?? 0);
  // Counts (the default format) never get fractional ticks.
  const step = spec.format ? niceStep(dataMax) : Math.max(1, niceStep(dataMax));
  return { format, totals, step, max: spec.max ?? Math.max(step, Math.ceil(dataMax / step) * step) };
}

export function barChart(spec: BarChartSpec): string {
  const { format, step, max } = valueAxis(spec);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v: number) => round(MARGIN.top + plotH - (Math.min(v, max) / max) * plotH);
  const band = plotW / Math.max(1, spec.categories.length);
  const groups = spec.stacked ? 1 : Math.max(1, spec.series.length);
  const barW = round(Math.max(2, (band * 0.8) / groups));
  const parts: string[] = [];

  // Value axis: gridlines and ticks.
  const tickStep = spec.max !== undefined ? (spec.format ? niceStep(max) : Math.max(1, niceStep(max))) : step;
  for (let v = 0; v <= max + 1e-9; v += tickStep) {
    const ty = y(v);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}" stroke="#d0d4da" stroke-width="1"/>`,
      `<text x="${MARGIN.left - 6}" y="${ty + 4}" text-anchor="end" font-size="11" fill="#333">${escapeXml(format(v))}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeXml(spec.yLabel)}</text>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="12" fill="#333">${escapeXml(spec.xLabel)}</text>`,
  );

  // Bars.
  spec.categories.forEach((category, i) => {
    const x0 = MARGIN.left + band * i + band * 0.1;
    let stackBase = 0;
    spec.series.forEach((series, s) => {
      const value = series.values[i] ?? 0;
      const bottom = spec.stacked ? stackBase : 0;
      const top = bottom + value;
      stackBase = top;
      const x = round(spec.stacked ? x0 : x0 + barW * s);
      const h = round(y(bottom) - y(top));
      const text = `${category} · ${series.name}: ${format(value)}`;
      parts.push(
        `<rect class="bar" x="${x}" y="${y(top)}" width="${barW}" height="${Math.max(0, h)}" fill="${series.color}" data-value="${value}"><title>${escapeXml(text)}</title></rect>`,
      );
      if (!spec.stacked && (value > 0 || spec.labelZero) && barW >= 14) {
        parts.push(
          `<text x="${round(x + barW / 2)}" y="${y(top) - 3}" text-anchor="middle" font-size="10" fill="#222">${escapeXml(format(value))}</text>`,
        );
      }
    });
    const lx = round(x0 + (band * 0.8) / 2);
    const ly = MARGIN.top + plotH + 14;
    const label = escapeXml(category);
    parts.push(
      spec.categories.length > 8
        ? `<text x="${lx}" y="${ly}" text-anchor="end" font-size="11" fill="#333" transform="rotate(-35 ${lx} ${ly})">${label}</text>`
        : `<text x="${lx}" y="${ly}" text-anchor="middle" font-size="11" fill="#333">${label}</text>`,
    );
  });

  // Base line and the reference line.
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333" stroke-width="1"/>`,
  );
  const dash = 'stroke="#b3261e" stroke-width="2" stroke-dasharray="6 4"';
  if (spec.reference) {
    const ry = y(spec.reference.value);
    parts.push(
      `<line class="reference" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${ry}" y2="${ry}" ${dash}><title>${escapeXml(spec.reference.label)}</title></line>`,
    );
  }

  // Legend along the top (the reference line's label there too, clear of the bars).
  let lx = MARGIN.left;
  for (const series of spec.series) {
    parts.push(
      `<rect x="${lx}" y="8" width="12" height="12" fill="${series.color}"/>`,
      `<text x="${lx + 16}" y="18" font-size="12" fill="#222">${escapeXml(series.name)}</text>`,
    );
    lx += 28 + series.name.length * 12;
  }
  if (spec.reference) {
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="14" y2="14" ${dash}/>`,
      `<text x="${lx + 26}" y="18" font-size="12" fill="#b3261e">${escapeXml(spec.reference.label)}</text>`,
    );
  }

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(spec.title)}">` +
    `<title>${escapeXml(spec.title)}</title>${parts.join('')}</svg>`
  );
}

/** The horizontal chart's width in user units: near a phone's width, so its text is drawn near its set size there. */
const H_WIDTH = 400;
const H_FONT = 12;
/** A label column wider than this share of the chart wraps its labels at spaces. */
const H_LABEL_SHARE = 0.4;

/**
 * How wide `text` is drawn at `size` px, erring wide: CJK and full-width characters take a full
 * em, capitals and digits 0.65, other Latin letters 0.6, spaces and narrow punctuation 0.35. No
 * browser is there to measure, so the chart leaves the room this says.
 */
export function textWidth(text: string, size: number): number {
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x2e80) em += 1;
    else if (/[\s.,:;'’!|()·-]/.test(ch)) em += 0.35;
    else if (/[A-Z0-9%]/.test(ch)) em += 0.65;
    else em += 0.6;
  }
  return em * size;
}

/** `text` in lines no wider than `width` at `size`, broken at spaces (a word longer than the line keeps its own line). */
export function wrapText(text: string, width: number, size: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidth(`${last} ${word}`, size) <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.length ? lines : [''];
}

/**
 * The same chart with horizontal bars, one row per category: category names written out in
 * full on the left (wrapped when long, as English district names are), values along the bottom,
 * the legend on top wrapping to as many lines as it needs. Drawn 400 units wide, so on a 390 px
 * phone its text is close to the size it is set in, and every label is inside the box: the
 * label column, the value labels and the legend take the room their text needs.
 */
export function horizontalBarChart(spec: BarChartSpec): string {
  const { format, totals, step, max } = valueAxis(spec);
  const tickStep = spec.max !== undefined ? (spec.format ? niceStep(max) : Math.max(1, niceStep(max))) : step;
  const parts: string[] = [];
  const pad = 6;

  // Legend: swatches and names, wrapping; the reference line's key last.
  const keys: { width: number; draw: (x: number, y: number) => string }[] = spec.series.map((series) => ({
    width: 16 + textWidth(series.name, H_FONT),
    draw: (x, y) =>
      `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${series.color}"/>` +
      `<text x="${x + 16}" y="${y}" font-size="${H_FONT}" fill="#222">${escapeXml(series.name)}</text>`,
  }));
  const dash = 'stroke="#b3261e" stroke-width="2" stroke-dasharray="6 4"';
  if (spec.reference) {
    const label = spec.reference.label;
    keys.push({
      width: 26 + textWidth(label, H_FONT),
      draw: (x, y) =>
        `<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" ${dash}/>` +
        `<text x="${x + 26}" y="${y}" font-size="${H_FONT}" fill="#b3261e">${escapeXml(label)}</text>`,
    });
  }
  let kx = pad;
  let ky = 18;
  for (const key of keys) {
    if (kx > pad && kx + key.width > H_WIDTH - pad) {
      kx = pad;
      ky += 18;
    }
    parts.push(key.draw(kx, ky));
    kx += key.width + 14;
  }

  // The category column: its title, then each row's name, wrapped to the column.
  const labelMax = H_WIDTH * H_LABEL_SHARE;
  const labels = spec.categories.map((c) => wrapText(c, labelMax, H_FONT));
  const labelW = Math.min(
    labelMax,
    Math.max(textWidth(spec.xLabel, H_FONT), ...labels.flat().map((l) => textWidth(l, H_FONT))),
  );
  const plotLeft = round(pad + labelW + 8);
  const valueRoom = spec.stacked || spec.series.length ? textWidth(format(max), 11) + 8 : 0;
  const plotRight = H_WIDTH - pad - Math.max(valueRoom, textWidth(format(max), 11) / 2);
  const plotW = plotRight - plotLeft;
  const x = (v: number) => round(plotLeft + (Math.min(Math.max(v, 0), max) / max) * plotW);
  const titleY = ky + 24;
  parts.push(
    `<text x="${pad}" y="${titleY}" font-size="${H_FONT}" font-weight="600" fill="#333">${escapeXml(spec.xLabel)}</text>`,
  );

  const groups = spec.stacked ? 1 : Math.max(1, spec.series.length);
  const barH = spec.stacked || groups === 1 ? 16 : 11;
  const plotTop = titleY + 8;
  let rowY = plotTop;
  const rows: string[] = [];
  spec.categories.forEach((category, i) => {
    const lineCount = labels[i].length;
    const rowH = Math.max(groups * barH, lineCount * 14) + 10;
    const barsTop = rowY + (rowH - groups * barH) / 2;
    let stackBase = 0;
    spec.series.forEach((series, s) => {
      const value = series.values[i] ?? 0;
      const from = spec.stacked ? stackBase : 0;
      stackBase = from + value;
      const by = round(spec.stacked ? barsTop : barsTop + barH * s);
      const text = `${category} · ${series.name}: ${format(value)}`;
      rows.push(
        `<rect class="bar" x="${x(from)}" y="${by}" width="${round(x(from + value) - x(from))}" height="${barH - 1}" fill="${series.color}" data-value="${value}"><title>${escapeXml(text)}</title></rect>`,
      );
      if (!spec.stacked && (value > 0 || spec.labelZero)) {
        rows.push(
          `<text x="${x(value) + 3}" y="${by + barH - 3}" font-size="11" fill="#222">${escapeXml(format(value))}</text>`,
        );
      }
    });
    if (spec.stacked && totals[i] > 0) {
      rows.push(
        `<text x="${x(totals[i]) + 3}" y="${round(barsTop + barH - 4)}" font-size="11" fill="#222">${escapeXml(format(totals[i]))}</text>`,
      );
    }
    const firstLine = round(rowY + rowH / 2 - ((lineCount - 1) * 14) / 2 + 4);
    rows.push(
      `<text x="${round(plotLeft - 8)}" y="${firstLine}" text-anchor="end" font-size="${H_FONT}" fill="#333">` +
        labels[i]
          .map((l, n) => `<tspan x="${round(plotLeft - 8)}" dy="${n === 0 ? 0 : 14}">${escapeXml(l)}</tspan>`)
          .join('') +
        `</text>`,
    );
    rowY += rowH;
  });
  const plotBottom = Math.max(rowY, plotTop + 20);

  // Value axis along the bottom: gridlines under the bars, ticks, its title.
  for (let v = 0; v <= max + 1e-9; v += tickStep) {
    parts.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${plotTop}" y2="${plotBottom}" stroke="#d0d4da" stroke-width="1"/>`,
      `<text x="${x(v)}" y="${plotBottom + 14}" text-anchor="middle" font-size="11" fill="#333">${escapeXml(format(v))}</text>`,
    );
  }
  parts.push(...rows);
  parts.push(
    `<line x1="${plotLeft}" x2="${plotLeft}" y1="${plotTop}" y2="${plotBottom}" stroke="#333" stroke-width="1"/>`,
  );
  if (spec.reference) {
    const rx = x(spec.reference.value);
    parts.push(
      `<line class="reference" x1="${rx}" x2="${rx}" y1="${plotTop}" y2="${plotBottom}" ${dash}><title>${escapeXml(spec.reference.label)}</title></line>`,
    );
  }
  const axisTitle = Math.min(
    Math.max((plotLeft + plotRight) / 2, pad + textWidth(spec.yLabel, H_FONT) / 2),
    H_WIDTH - pad - textWidth(spec.yLabel, H_FONT) / 2,
  );
  const height = round(plotBottom + 36);
  parts.push(
    `<text x="${round(axisTitle)}" y="${plotBottom + 32}" text-anchor="middle" font-size="${H_FONT}" fill="#333">${escapeXml(spec.yLabel)}</text>`,
  );

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart hbar" viewBox="0 0 ${H_WIDTH} ${height}" role="img" aria-label="${escapeXml(spec.title)}">` +
    `<title>${escapeXml(spec.title)}</title>${parts.join('')}</svg>`
  );
}
