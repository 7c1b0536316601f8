// Generates a hub-sized search index straight into Moda's SQLite file (server stopped): 100,000
// model repos with long-tailed downloads, skewed families, tasks, licenses and languages, 5% private.
// Rows have no git directory, which start-up recovery skips; only search reads them.
import SQLite from 'better-sqlite3';
import type { ReposTable } from '../src/db/schema.js';
import { seededRandom, type Random } from './lib/seeded-random.js';

interface Family {
  name: string;
  pipeline: string;
  library: string;
  /** Relative popularity when picking a family for a new repo. */
  weight: number;
  sizes: string[];
}

const FAMILIES: Family[] = [
  { name: 'llama', pipeline: 'text-generation', library: 'transformers', weight: 20, sizes: ['1b', '3b', '8b', '70b'] },
  { name: 'qwen', pipeline: 'text-generation', library: 'transformers', weight: 14, sizes: ['0.5b', '1.5b', '7b', '14b', '72b'] },
  { name: 'mistral', pipeline: 'text-generation', library: 'transformers', weight: 10, sizes: ['7b', '12b', '24b'] },
  { name: 'gemma', pipeline: 'text-generation', library: 'transformers', weight: 7, sizes: ['2b', '9b', '27b'] },
  { name: 'phi', pipeline: 'text-generation', library: 'transformers', weight: 4, sizes: ['mini', 'medium'] },
  { name: 'bert', pipeline: 'fill-mask', library: 'transformers', weight: 9, sizes: ['base', 'large'] },
  { name: 'roberta', pipeline: 'text-classification', library: 'transformers', weight: 6, sizes: ['base', 'large'] },
  { name: 'deberta', pipeline: 'text-classification', library: 'transformers', weight: 3, sizes: ['small', 'base', 'large'] },
  { name: 't5', pipeline: 'text2text-generation', library: 'transformers', weight: 4, sizes: ['small', 'base', 'large'] },
  { name: 'whisper', pipeline: 'automatic-speech-recognition', library: 'transformers', weight: 4, sizes: ['tiny', 'small', 'medium', 'large'] },
  { name: 'wav2vec2', pipeline: 'automatic-speech-recognition', library: 'transformers', weight: 2, sizes: ['base', 'large'] },
  { name: 'vit', pipeline: 'image-classification', library: 'timm', weight: 3, sizes: ['small', 'base', 'large'] },
  { name: 'stable-diffusion', pipeline: 'text-to-image', library: 'diffusers', weight: 5, sizes: ['v1-5', 'xl', '3'] },
  { name: 'bge', pipeline: 'sentence-similarity', library: 'sentence-transformers', weight: 3, sizes: ['small', 'base', 'large'] },
  { name: 'yolo', pipeline: 'object-detection', library: 'ultralytics', weight: 2, sizes: ['n', 's', 'm', 'x'] },
  { name: 'clip', pipeline: 'zero-shot-image-classification', library: 'open_clip', weight: 1, sizes: ['b32', 'l14'] },
];

const VARIANTS: [string, number][] = [['base', 3], ['instruct', 4], ['chat', 2], ['finetuned', 5], ['lora', 2], ['dpo', 1], ['v2', 1], ['merged', 1]];
const LICENSES: [string | null, number][] = [['apache-2.0', 35], ['mit', 25], ['cc-by-nc-4.0', 8], ['openrail', 5], ['other', 10], [null, 17]];
const LANGUAGES: [string, number][] = [['zh', 4], ['de', 2], ['fr', 2], ['es', 2], ['ja', 2], ['ru', 1], ['multilingual', 2]];
const DATASETS = ['imdb', 'squad', 'common_voice', 'laion', 'wikipedia', 'openwebtext', 'glue', 'coco'];

/** Private repos carry this in their name so a search for it shows whether they leak. */
export const PRIVATE_MARKER = 'internal';

export interface GeneratedSet {
  repos: number;
  privateRepos: number;
  tagRows: number;
}

/** `bytes` random bytes as hex, from the seeded generator (crypto's per-call cost dominated). */
function hex(random: Random, bytes: number): string {
  let text = '';
  for (let index = 0; index < bytes; index++) text += random.int(256).toString(16).padStart(2, '0');
  return text;
}

function generateRepo(random: Random, index: number, namespaces: number): ReposTable & { tagList: string[] } {
  const family = random.weighted(FAMILIES.map((candidate) => [candidate, candidate.weight] as const));
  const size = family.sizes[random.int(family.sizes.length)] ?? 'base';
  const variant = random.weighted(VARIANTS);
  const isPrivate = random.chance(0.05);
  const gguf = family.pipeline === 'text-generation' && random.chance(0.25);
  const onnx = !gguf && random.chance(0.06);
  const name = `${family.name}-${size}-${variant}${gguf ? '-gguf' : ''}${isPrivate ? `-${PRIVATE_MARKER}` : ''}-${index.toString(36)}`;
  // Popularity of the owner is Zipf-like: a few organisations own many repos.
  const namespace = `org${Math.floor(namespaces ** random.next()) - 1}`;
  const license = random.weighted(LICENSES);
  const downloads = Math.min(Math.floor(Math.exp(3 + 2.6 * random.normal())), 50_000_000);
  const likes = Math.floor(Math.pow(downloads, 0.55) * random.next());
  const created = Date.UTC(2022, 0, 1) + random.int(3 * 365 * 86_400_000);
  const modified = created + random.int(180 * 86_400_000);
  const languages = ['en', ...(random.chance(0.2) ? [random.weighted(LANGUAGES)] : [])];
  const tags = new Set<string>([family.library, family.pipeline, ...languages]);
  if (gguf) tags.add('gguf');
  else if (random.chance(0.7)) tags.add('safetensors');
  if (onnx) tags.add('onnx');
  if (license) tags.add(`license:${license}`);
  if (variant !== 'base' && random.chance(0.6)) tags.add(`base_model:${family.name}-${size}-base`);
  if (random.chance(0.15)) tags.add(`dataset:${DATASETS[random.int(DATASETS.length)]}`);
  const tagList = [...tags];
  const library = gguf ? 'gguf' : family.library;
  return {
    id: hex(random, 12),
    type: 'model',
    namespace,
    name,
    key: `${namespace}/${name}`.toLowerCase(),
    private: isPrivate ? 1 : 0,
    visibility: isPrivate ? 'private' : 'public',
    default_branch: 'main',
    created_at: new Date(created).toISOString(),
    last_modified: new Date(modified).toISOString(),
    sha: hex(random, 20),
    downloads,
    likes,
    pipeline_tag: family.pipeline,
    library_name: library,
    license,
    tags: JSON.stringify(tagList),
    card_data: JSON.stringify({ license, language: languages, pipeline_tag: family.pipeline, library_name: library, tags: tagList.slice(0, 3) }),
    config: library === 'transformers' ? JSON.stringify({ model_type: family.name }) : null,
    tagList,
  };
}

/** Inserts `count` repos and their tag rows in one transaction. */
export function insertSearchFixtures(databaseFile: string, count: number, seed = 42): GeneratedSet {
  const database = new SQLite(databaseFile);
  try {
    // Random ids land all over the keys; SQLite's default 2 MiB page cache made the load thrash.
    // With the index rebuild below and ids from the seeded generator: 37 s → 7-9 s measured.
    database.pragma('cache_size = -524288');
    // Only the columns this database has: the schema grows with migrations (e.g. `visibility`).
    const columns = new Set((database.pragma('table_info(repos)') as { name: string }[]).map((column) => column.name));
    const fields = Object.keys(generateRepo(seededRandom(0), 0, 1)).filter((field) => columns.has(field));
    const insertRepo = database.prepare(`insert into repos (${fields.join(', ')}) values (${fields.map((field) => `@${field}`).join(', ')})`);
    const pick = (row: Record<string, unknown>) => Object.fromEntries(fields.map((field) => [field, row[field]]));
    const insertTag = database.prepare('insert into repo_tags (repo_id, tag) values (?, ?)');
    const random = seededRandom(seed);
    const result: GeneratedSet = { repos: 0, privateRepos: 0, tagRows: 0 };
    // Secondary indexes are dropped and rebuilt around the load (a sorted build is far cheaper than
    // 650k random inserts); their definitions come from the database, so they stay Moda's own.
    const indexes = database
      .prepare("select name, sql from sqlite_master where type = 'index' and tbl_name in ('repos', 'repo_tags') and sql is not null")
      .all() as { name: string; sql: string }[];
    database.transaction(() => {
      for (const index of indexes) database.exec(`drop index "${index.name}"`);
      for (let index = 0; index < count; index++) {
        const { tagList, ...row } = generateRepo(random, index, 4000);
        insertRepo.run(pick(row));
        for (const tag of tagList) insertTag.run(row.id, tag);
        result.repos++;
        result.privateRepos += row.private;
        result.tagRows += tagList.length;
      }
      for (const index of indexes) database.exec(index.sql);
    })();
    return result;
  } finally {
    database.close();
  }
}
