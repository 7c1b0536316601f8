// Rewrites the configuration table in README.md from src/config/.
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../src/config/config-table.js';

writeFileSync('README.md', withConfigTable(readFileSync('README.md', 'utf8')));
