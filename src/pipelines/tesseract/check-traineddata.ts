// Checks a `.traineddata` file before tesseract opens it. The file is more than weights: its `config`
// component sets tesseract parameters, some of which name files to write (`debug_file`,
// `tessedit_write_params_to_file`, …) or open debug windows, and tesseract also accepts the whole
// file as a zip (or other libarchive) archive. A repo is data, so Moda accepts only the plain
// component format, with a config that sets tuning parameters and nothing that reaches the system.
import { open, type FileHandle } from 'node:fs/promises';
import { ModaError } from '../../errors/moda-error.js';

/** Tesseract 4 and 5 write 24 entries; a little room for later versions. */
const MAX_ENTRIES = 64;
const CONFIG_ENTRY = 0;
const MAX_CONFIG_BYTES = 64 * 1024;
/** libarchive finds a zip by its end record within the last 64 KiB + 22 bytes. */
const ZIP_TAIL_BYTES = 65_536 + 22;
/** libarchive's ISO 9660 reader looks for a volume descriptor after 16 sectors of 2 KiB. */
const ISO9660_DESCRIPTOR = 32_768;
/** libarchive's uudecode filter reads this far looking for a `begin` line. */
const UUENCODE_SCAN_BYTES = 256 * 1024;

/** Name fragments of parameters that write files, read other files, show windows or only debug. */
const UNSAFE_NAME =
  /debug|show|display|plot|print|file|dump|write|image|window|interactive|suffix|sublang|dir|path|train|title|editor|font|box|log|output|create|save|view|pause|dawg_file/;
/** String-valued parameters that only restrict or describe characters. */
const STRING_PARAMETERS = new Set([
  'tessedit_char_blacklist',
  'tessedit_char_whitelist',
  'tessedit_char_unblacklist',
  'chs_leading_punct',
  'chs_trailing_punct1',
  'chs_trailing_punct2',
  'numeric_punctuation',
  'conflict_set_I_l_1',
  'ok_repeated_ch_non_alphanum_wds',
  'outlines_odd',
  'outlines_2',
]);
const NUMBER_OR_BOOLEAN = /^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[TtFf]|true|false|TRUE|FALSE)$/;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, length));
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
  return buffer.subarray(0, bytesRead);
}

/** Parameters a traineddata config sets, as tesseract reads them: `name value` lines, `#` comments. */
export function configParameters(text: string): { name: string; value: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimStart())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\S+)\s*(.*)$/.exec(line);
      return { name: match?.[1] ?? line, value: (match?.[2] ?? '').trim() };
    });
}

/** Why tesseract must not be given this parameter, or undefined when it is harmless. */
export function unsafeParameter(name: string, value: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,80}$/.test(name)) return 'is not a parameter name';
  if (UNSAFE_NAME.test(name.toLowerCase())) return 'may write or read files, open windows or only debug';
  if (!NUMBER_OR_BOOLEAN.test(value) && !STRING_PARAMETERS.has(name)) return 'takes a text value Moda does not pass on';
  return undefined;
}

/**
 * Throws MODEL_LOAD_FAILED unless `file` is a plain traineddata file (little-endian offset table,
 * components in order) whose config sets only harmless parameters and which no archive reader
 * would take for an archive.
 */
export async function checkTraineddata(file: string, name: string): Promise<void> {
  const invalid = (why: string) => new ModaError('MODEL_LOAD_FAILED', `${name} ${why}`);
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const head = await readAt(handle, 0, 4);
    const entries = head.length === 4 ? head.readInt32LE(0) : 0;
    if (entries < 1 || entries > MAX_ENTRIES) throw invalid('is not a Tesseract traineddata file (no component table; archives are not accepted)');
    const headerBytes = 4 + 8 * entries;
    const table = await readAt(handle, 4, 8 * entries);
    if (table.length !== 8 * entries) throw invalid('is truncated');
    const offsets = Array.from({ length: entries }, (_, index) => table.readBigInt64LE(8 * index));
    // Tesseract reads the components one after another from the end of the table, each as long as
    // the gap to the next offset: offsets must start there, rise, and stay inside the file.
    const present = offsets.filter((offset) => offset !== -1n);
    if (present.length === 0) throw invalid('holds no components');
    const ordered = present.every((offset, index) => (index === 0 ? offset === BigInt(headerBytes) : offset > present[index - 1]!)) && present.at(-1)! < BigInt(size);
    if (!ordered) throw invalid('has a component table that does not match its contents');

    const signatures = await Promise.all([readAt(handle, Math.max(0, size - ZIP_TAIL_BYTES), ZIP_TAIL_BYTES), readAt(handle, ISO9660_DESCRIPTOR + 1, 5), readAt(handle, 0, UUENCODE_SCAN_BYTES)]);
    const [tail, volume, start] = signatures;
    if (tail.includes('PK\x05\x06', 0, 'latin1') || tail.includes('PK\x06\x06', 0, 'latin1')) throw invalid('also reads as a zip archive');
    if (volume.toString('latin1') === 'CD001') throw invalid('also reads as an ISO 9660 image');
    if (/(^|[\r\n])begin(-base64)? /.test(start.toString('latin1'))) throw invalid('also reads as a uuencoded archive');

    const configOffset = offsets[CONFIG_ENTRY];
    if (configOffset === undefined || configOffset === -1n) return;
    const next = offsets.slice(CONFIG_ENTRY + 1).find((offset) => offset !== -1n) ?? BigInt(size);
    const length = Number(next - configOffset);
    if (length > MAX_CONFIG_BYTES) throw invalid(`has a config of ${length} bytes, more than the ${MAX_CONFIG_BYTES} allowed`);
    const config = (await readAt(handle, Number(configOffset), length)).toString('utf8');
    for (const { name: parameter, value } of configParameters(config)) {
      const why = unsafeParameter(parameter, value);
      if (why) throw invalid(`sets tesseract parameter "${parameter.slice(0, 80)}", which ${why}`);
    }
  } finally {
    await handle.close();
  }
}
