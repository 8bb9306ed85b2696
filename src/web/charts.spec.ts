import { barChart, escapeXml, horizontalBarChart, niceStep, textWidth, wrapText } from './charts';

describe('barChart', () => {
  const spec = {
    title: '各区县信用等级分布',
    categories: ['鹿城区', '龙湾区'],
    series: [
      { name: 'A', values: [3, 1], color: '#1b6e34' },
      { name: 'D', values: [0, 2], color: '#b3261e' },
    ],
    xLabel: '区县',
    yLabel: '企业数',
  };

  it('draws one bar per category and series, each with its value as text', () => {
    const svg = barChart(spec);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(4);
    expect(svg).toContain('<title>鹿城区 · A: 3</title>');
    expect(svg).toContain('<title>龙湾区 · D: 2</title>');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="各区县信用等级分布"');
  });

  it('labels both axes and scales the tallest bar to the axis top at most', () => {
    const svg = barChart(spec);
    expect(svg).toContain('>区县</text>');
    expect(svg).toContain('>企业数</text>');
    const heights = [...svg.matchAll(/class="bar"[^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...heights)).toBeLessThanOrEqual(300 - 36 - 64);
    expect(heights[0] / heights[2]).toBeCloseTo(3, 1); // 鹿城 A = 3, 龙湾 A = 1
  });

  it('stacks series and draws a reference line', () => {
    const svg = barChart({
      ...spec,
      stacked: true,
      reference: { value: 92, label: '目标 92%' },
      max: 100,
      format: (v) => `${v}%`,
    });
    expect(svg).toContain('class="reference"');
    expect(svg).toContain('目标 92%');
    expect(svg).toContain('>100%</text>');
  });

  it('gives counts whole-number ticks only', () => {
    const svg = barChart({ ...spec, series: [{ name: 'D', values: [1, 0], color: '#b3261e' }] });
    const ticks = [...svg.matchAll(/text-anchor="end" font-size="11" fill="#333">([^<]*)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['0', '1']);
  });

  it('escapes text and survives empty data', () => {
    expect(escapeXml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
    const svg = barChart({ ...spec, categories: [], series: [] });
    expect(svg).toContain('<svg');
    expect(svg).not.toContain('NaN');
  });

  it('picks round tick steps', () => {
    expect(niceStep(0)).toBe(1);
    expect(niceStep(7)).toBe(2);
    expect(niceStep(100)).toBe(50);
    expect(niceStep(1234)).toBe(500);
  });
});

describe('horizontalBarChart', () => {
  const spec = {
    title: 'Grades by district',
    categories: ['Lucheng District', 'Economic and Technological Development Zone'],
    series: [
      { name: 'A', values: [3, 1], color: '#1b6e34' },
      { name: 'Not graded', values: [0, 2], color: '#6b7280' },
    ],
    xLabel: 'District',
    yLabel: 'Enterprises',
    stacked: true,
  };

  it('measures text erring wide and wraps long names at spaces', () => {
    expect(textWidth('鹿城区', 12)).toBe(36);
    expect(textWidth('Lucheng', 10)).toBeGreaterThan(40);
    expect(wrapText('Economic and Technological Development Zone', 160, 12)).toEqual([
      'Economic and',
      'Technological',
      'Development Zone',
    ]);
  });

  it('draws one row per category, the long name on lines of its own, every bar with its figure', () => {
    const svg = horizontalBarChart(spec);
    expect(svg).toContain('viewBox="0 0 400 ');
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(4);
    expect(svg).toContain('<title>Lucheng District · A: 3</title>');
    expect(svg).toContain('>Technological</tspan>');
    expect(svg).toContain('>Enterprises</text>');
    expect(svg).not.toContain('NaN');
  });
});
