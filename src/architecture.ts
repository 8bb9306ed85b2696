import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** config/architecture.json: the module layers of src/ (bottom first) and the tables each module owns. */
export interface Architecture {
  layers: string[][];
  sideways: Record<string, string[]>;
  tables: Record<string, string[]>;
}

export function readArchitecture(root: string): Architecture {
  return JSON.parse(readFileSync(join(root, 'config', 'architecture.json'), 'utf8')) as Architecture;
}

/**
 * The layers as a Mermaid flowchart and as a table, top layer first, each layer's modules side by side with
 * the tables they own; an arrow from a layer to the one below it (a module imports only
 * downward, and sideways where `sideways` names it). docs/architecture.md carries this text
 * between its `architecture:begin`/`end` markers; the architecture test keeps the two equal.
 */
export function layerDiagram(architecture: Architecture): string {
  const lines = ['```mermaid', 'flowchart TB'];
  const layers = [...architecture.layers].reverse();
  layers.forEach((layer, i) => {
    lines.push(`  subgraph L${layers.length - i}[" "]`, '    direction LR');
    for (const module of layer) {
      const tables = architecture.tables[module] ?? [];
      lines.push(`    ${module}["<b>${module}</b>${tables.length ? `<br/><small>${tables.join(', ')}</small>` : ''}"]`);
    }
    lines.push('  end');
  });
  for (let i = 0; i < layers.length - 1; i++) lines.push(`  L${layers.length - i} --> L${layers.length - i - 1}`);
  for (const [module, targets] of Object.entries(architecture.sideways)) {
    for (const target of targets) lines.push(`  ${module} -.-> ${target}`);
  }
  lines.push('```', '', '| layer | modules | tables they own |', '| ---: | --- | --- |');
  layers.forEach((layer, i) => {
    const tables = layer.flatMap((module) => architecture.tables[module] ?? []);
    lines.push(`| ${layers.length - i} | ${layer.map((m) => `\`${m}\``).join(', ')} | ${tables.join(', ') || '—'} |`);
  });
  return lines.join('\n');
}
