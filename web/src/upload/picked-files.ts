// Turns what the user picked or dropped into files with their paths inside the repo. Dropped
// folders are walked through the File System entries API (webkitGetAsEntry), the only way a drop
// exposes a folder's contents; picked folders carry webkitRelativePath.
import type { PickedFile } from './upload-to-repo.js';

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All children of a folder: readEntries answers in pages (Chrome: 100 at a time) until an empty one. */
async function childrenOf(entry: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = entry.createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const page = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (page.length === 0) return children;
    children.push(...page);
  }
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  // A dropped checkout's .git folder is never repo content (and the hub refuses the path).
  if (entry.name === '.git') return;
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
  if (entry.isFile) {
    out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    for (const child of await childrenOf(entry as FileSystemDirectoryEntry)) await walk(child, path, out);
  }
}

/** Files of a drop, folders walked with their relative paths kept (`folder/sub/file.bin`). */
export async function filesOfDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously: the DataTransfer is emptied once the drop handler yields.
  const entries: FileSystemEntry[] = [];
  const loose: File[] = [];
  for (const item of Array.from(transfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) loose.push(file);
    }
  }
  if (entries.length === 0 && loose.length === 0) loose.push(...Array.from(transfer.files));
  const out: PickedFile[] = loose.map((file) => ({ path: file.name, file }));
  for (const entry of entries) await walk(entry, '', out);
  return out;
}

/** Files of an `<input type=file>` (with `webkitdirectory`, paths relative to the picked folder's parent). */
export function filesOfInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Adds `added` to `current`; a file picked again at the same path replaces the earlier one. */
export function mergePicked(current: PickedFile[], added: PickedFile[]): PickedFile[] {
  const byPath = new Map(current.map((picked) => [picked.path, picked]));
  for (const picked of added) byPath.set(picked.path, picked);
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}
