import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layerDiagram, readArchitecture } from '../architecture';

/** Redraws the layers in docs/architecture.md from config/architecture.json (`npm run docs:architecture`). */
const root = join(__dirname, '..', '..');
const path = join(root, 'docs', 'architecture.md');
const doc = readFileSync(path, 'utf8');
const drawn = `<!-- architecture:begin -->\n${layerDiagram(readArchitecture(root))}\n<!-- architecture:end -->`;
writeFileSync(path, doc.replace(/<!-- architecture:begin -->[\s\S]*?<!-- architecture:end -->/, drawn));
