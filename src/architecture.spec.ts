import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { layerDiagram, readArchitecture } from './architecture';

const root = join(__dirname, '..');
const architecture = readArchitecture(root);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const sources = filesUnder(join(root, 'src'))
  .filter((f) => !f.endsWith('.spec.ts'))
  .map((path) => ({ path: relative(root, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));
const moduleOf = (path: string) => (path.split('/').length > 2 ? path.split('/')[1] : 'app');

/** The tables a piece of SQL names after FROM, JOIN, INTO, UPDATE, COPY or TABLE (SQL here is upper case). */
function tablesNamed(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|COPY|TABLE)\s+([a-z_][a-z0-9_]*)/g)].map((m) => m[1]));
}

describe('the architecture', () => {
  it('puts raw SQL only in repositories and in src/database', () => {
    const outside = sources
      .filter((s) => /\.(query)(<[^>]*>)?\(/.test(s.text))
      .filter((s) => !s.path.endsWith('.repository.ts') && !s.path.startsWith('src/database/'))
      .map((s) => s.path);
    expect(outside).toEqual([]);
  });

  it('lets each repository name only its own module’s tables', () => {
    const owner = new Map(Object.entries(architecture.tables).flatMap(([m, tables]) => tables.map((t) => [t, m])));
    const trespasses = sources
      .filter((s) => s.path.endsWith('.repository.ts') || s.path.startsWith('src/database/'))
      .flatMap((s) =>
        [...tablesNamed(s.text)]
          .filter((table) => owner.has(table) && owner.get(table) !== moduleOf(s.path))
          .map((table) => `${s.path} names ${table} (${owner.get(table)}'s)`),
      );
    expect(trespasses).toEqual([]);
  });

  it('gives every table one owner', () => {
    const tables = Object.values(architecture.tables).flat();
    expect(tables.length).toBe(new Set(tables).size);
  });

  it('keeps every file in src under 600 lines', () => {
    const long = sources.filter((s) => s.text.split('\n').length > 600).map((s) => s.path);
    expect(long).toEqual([]);
  });

  it('places every folder of src in one layer', () => {
    const folders = readdirSync(join(root, 'src')).filter((f) => statSync(join(root, 'src', f)).isDirectory());
    const placed = architecture.layers.flat();
    expect(folders.filter((f) => !placed.includes(f))).toEqual([]);
  });

  it('is drawn in docs/architecture.md as configured', () => {
    const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const drawn = /<!-- architecture:begin -->\n([\s\S]*?)\n<!-- architecture:end -->/.exec(doc)?.[1];
    expect(drawn).toBe(layerDiagram(architecture));
  });
});
