// The `.gitattributes` a new repo starts with, and the test of whether a path is meant for LFS.

const LFS_PATTERNS = [
  '*.7z', '*.arrow', '*.bin', '*.bz2', '*.ckpt', '*.ftz', '*.gguf', '*.gz', '*.h5', '*.joblib', '*.lfs.*',
  '*.mlmodel', '*.model', '*.msgpack', '*.npy', '*.npz', '*.onnx', '*.onnx_data', '*.ot', '*.parquet', '*.pb',
  '*.pickle', '*.pkl', '*.pt', '*.pth', '*.rar', '*.safetensors', 'saved_model/**/*', '*.tar.*', '*.tar',
  '*.tflite', '*.tgz', '*.wasm', '*.xz', '*.zip', '*.zst', '*tfevents*', '*.traineddata',
  '*.png', '*.jpg', '*.jpeg', '*.webp', '*.wav', '*.mp3', '*.flac',
];

export const DEFAULT_GITATTRIBUTES = LFS_PATTERNS.map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';

/** The patterns of a .gitattributes file that route files through LFS. */
export function lfsPatterns(gitattributes: string): RegExp[] {
  const patterns: RegExp[] = [];
  for (const line of gitattributes.split('\n')) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith('#') || !attributes.includes('filter=lfs')) continue;
    patterns.push(globToRegExp(pattern));
  }
  return patterns;
}

export function matchesAny(path: string, patterns: RegExp[]): boolean {
  return patterns.some((pattern) => pattern.test(path));
}

/** gitattributes glob semantics: a pattern without "/" matches the base name at any depth. */
function globToRegExp(pattern: string): RegExp {
  const anchored = pattern.includes('/');
  const body = pattern
    .replace(/^\//, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`);
}
