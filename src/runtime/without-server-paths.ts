// Error messages from engines (ONNX Runtime's external-data errors, transformers.js's file
// lookups) name files by their absolute path on the server. Callers see paths relative to the
// snapshot instead, and any other absolute path by its last segment: where Moda keeps its data
// is not the caller's business.

/** Absolute POSIX paths of two segments or more, not part of a URL (`http://host/a/b`). */
const ABSOLUTE_PATH = /(?<![\w:/.])\/(?:[^\s/'"`(),;:]+\/)+([^\s/'"`(),;:]*)/g;

/** `message` with `root` (a snapshot directory) cut off its paths and other absolute paths shortened. */
export function withoutServerPaths(message: string, root?: string): string {
  let text = message;
  if (root) {
    const base = root.replace(/\/+$/, '');
    text = text.split(`${base}/`).join('').split(base).join('.');
  }
  return text.replace(ABSOLUTE_PATH, (_whole, last: string) => last || '.');
}
