// Runs the tesseract binary once over a list of image files and returns its TSV: no shell, fixed
// arguments (only validated language names and numbers reach the command line), a timeout, bounded
// output, and a private working directory so nothing the language data might ask to write escapes it.
import { execFile, type ExecFileException } from 'node:child_process';
import { ModaError } from '../../errors/moda-error.js';
import { withoutServerPaths } from '../../runtime/without-server-paths.js';
import { sandboxCommand, sandboxLimits, type SandboxLimits } from '../limits/sandbox-command.js';

/** Looked up on PATH; deliberately not configurable from a repo (a model is data, never code). */
export const TESSERACT_BINARY = 'tesseract';
export const TESSERACT_INSTALL_HINT = 'install Tesseract 4 or 5 (Debian/Ubuntu: apt-get install tesseract-ocr; macOS: brew install tesseract)';
/** Language names as tesseract takes them, `+`-joined: `chi_sim+eng`. Never a path. */
export const LANGUAGES = /^[A-Za-z0-9_]{1,64}(\+[A-Za-z0-9_]{1,64}){0,7}$/;

export interface TesseractRequest {
  /** The binary to run; TESSERACT_BINARY unless a test injects another. */
  binary?: string;
  /** Folder holding `<language>.traineddata` for every language asked for. */
  tessdataDir: string;
  languages: string;
  /** Page segmentation mode (`--psm`). */
  psm: number;
  /** OCR engine mode (`--oem`): 1 = LSTM only. */
  oem: number;
  /** Resolution to assume (`--dpi`); undefined lets tesseract estimate it from the text. */
  dpi: number | undefined;
  /** A text file listing one image path per line, or a single image path. */
  input: string;
  /** Working directory of the child; the caller removes it afterwards. */
  cwd: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /**
   * Run as `nobody` when the server is root (see dropsToNobody): the language data, the input and
   * the working directory must then be readable by `nobody`.
   */
  asNobody?: boolean;
  /** The server's limits on the process (MODA_EXTERNAL_PROGRAM_*); its defaults when not given. */
  limits?: SandboxLimits;
  signal?: AbortSignal;
}

export interface TesseractOutput {
  tsv: string;
  /** Warnings tesseract printed, shortened. */
  stderr: string;
}

const MAX_STDERR_CHARACTERS = 2000;
/** Tesseract parameters that name a file; all are empty by default. */
const FILE_PARAMETERS = ['debug_file', 'tessedit_write_params_to_file', 'output_ambig_words_file', 'user_words_file', 'user_patterns_file', 'user_words_suffix', 'user_patterns_suffix', 'tessedit_load_sublangs'];

function shorten(text: string): string {
  // Tesseract names files by their absolute paths (the snapshot, the request's temporary folder).
  const trimmed = withoutServerPaths(text.trim());
  return trimmed.length > MAX_STDERR_CHARACTERS ? `${trimmed.slice(0, MAX_STDERR_CHARACTERS)}…` : trimmed;
}

/**
 * Tesseract prints "Failed loading language 'x'" and carries on with the languages that did load
 * (exit status 0), so a broken traineddata file is only visible on stderr.
 */
export function failedLanguages(stderr: string): string[] {
  return [...stderr.matchAll(/Failed loading language '([^']*)'/g)].map((match) => match[1] ?? '');
}

export function runTesseract(request: TesseractRequest): Promise<TesseractOutput> {
  if (request.signal?.aborted) return Promise.reject(new ModaError('REQUEST_CANCELLED', 'OCR was cancelled', { cause: request.signal.reason }));
  const binary = request.binary ?? TESSERACT_BINARY;
  const args = [
    request.input,
    '-',
    '--tessdata-dir',
    request.tessdataDir,
    '-l',
    request.languages,
    '--psm',
    String(request.psm),
    '--oem',
    String(request.oem),
    ...(request.dpi === undefined ? [] : ['--dpi', String(request.dpi)]),
    // The `tsv` config file lives in the system tessdata folder, not the snapshot; the variable does the same.
    '-c',
    'tessedit_create_tsv=1',
    // Command-line values win over a traineddata config: a second guard, after checkTraineddata,
    // against language data that names files for tesseract to write or read.
    ...FILE_PARAMETERS.flatMap((name) => ['-c', `${name}=`]),
  ];
  // Memory, CPU time, processes and network limited by the server, and `nobody` where the caller
  // made the files it reads readable to `nobody` (tesseract-pipeline.ts).
  const limits = request.limits ?? sandboxLimits();
  const sandboxed = sandboxCommand(binary, args, { asNobody: request.asNobody ?? false, limits });
  const timeoutMs = Math.min(request.timeoutMs, limits.timeoutMs);
  return new Promise<TesseractOutput>((resolve, reject) => {
    execFile(
      sandboxed.command,
      sandboxed.args,
      {
        cwd: request.cwd,
        // One OpenMP thread per process: Moda runs processes side by side, and tesseract's own threads
        // spin on a busy machine (one image, 2 loaded cores: 0.8 CPU-s with one thread, 1.4 without).
        env: {
          ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }),
          ...(process.env.LD_LIBRARY_PATH === undefined ? {} : { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH }),
          OMP_THREAD_LIMIT: '1',
          TESSDATA_PREFIX: request.tessdataDir,
        },
        encoding: 'utf8',
        maxBuffer: request.maxOutputBytes,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        shell: false,
        windowsHide: true,
        ...(request.signal ? { signal: request.signal } : {}),
      },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        const failed = failedLanguages(stderr);
        if (failed.length > 0 && !request.signal?.aborted) {
          const names = failed.map((language) => `${language}.traineddata`).join(', ');
          return reject(new ModaError('MODEL_INFERENCE_FAILED', `tesseract could not load ${names}: missing, or not Tesseract language data`, { cause: error ?? undefined, details: { stderr: shorten(stderr) } }));
        }
        if (!error) return resolve({ tsv: stdout, stderr: shorten(stderr) });
        const code = error.code;
        if (code === 'ENOENT') return reject(new ModaError('ENGINE_UNAVAILABLE', `${binary} was not found on PATH; ${TESSERACT_INSTALL_HINT}`, { cause: error }));
        if (code === 'EACCES') return reject(new ModaError('ENGINE_UNAVAILABLE', `${binary} could not be started: ${error.message}`, { cause: error }));
        if (code === 'ABORT_ERR' || request.signal?.aborted) return reject(new ModaError('REQUEST_CANCELLED', 'OCR was cancelled', { cause: request.signal?.reason ?? error }));
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new ModaError('MODEL_INFERENCE_FAILED', `tesseract wrote more than the ${request.maxOutputBytes} bytes allowed`, { cause: error }));
        if (error.killed && error.signal === 'SIGKILL') return reject(new ModaError('MODEL_INFERENCE_FAILED', `tesseract did not finish within ${timeoutMs} ms`, { cause: error }));
        const how = error.signal ? `was killed by ${error.signal}` : `exited with status ${String(code)}`;
        const message = shorten(stderr);
        reject(new ModaError('MODEL_INFERENCE_FAILED', `tesseract ${how}${message ? `: ${message}` : ''}`, { cause: error, details: { stderr: message } }));
      },
    );
  });
}
