// Runs the espeak-ng binary once: text in on stdin (never on the command line, never through a
// shell, so no text can become an option or a command), a WAV file out on stdout, bounded in time
// and in output size. espeak-ng is GPL-3.0, which is why it runs as a separate process.
import { spawn } from 'node:child_process';
import { ModaError } from '../../errors/moda-error.js';
import { sandboxCommand, type SandboxLimits } from '../limits/sandbox-command.js';

/** Looked up on PATH; deliberately not configurable from a repo (a model is data, never code). */
export const ESPEAK_BINARY = 'espeak-ng';
export const ESPEAK_INSTALL_HINT = 'install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng; macOS: brew install espeak-ng)';
const MAX_STDERR_BYTES = 4096;

export interface EspeakRequest {
  text: string;
  /** An espeak-ng voice or language: `en`, `cmn`, `en-us+f3`. */
  voice: string;
  /** Speaking rate, words per minute (espeak-ng accepts 80–450). */
  wordsPerMinute: number;
  timeoutMs: number;
  maxOutputBytes: number;
  /** The server's limits on the process; its defaults when not given. */
  limits?: SandboxLimits;
  signal?: AbortSignal;
}

/** The WAV bytes espeak-ng writes for `request.text`. */
export function runEspeak(request: EspeakRequest): Promise<Buffer> {
  request.signal?.throwIfAborted();
  const args = ['--stdout', '-b', '1', '-v', request.voice, '-s', String(Math.round(request.wordsPerMinute)), '--stdin'];
  return new Promise<Buffer>((resolve, reject) => {
    // espeak-ng reads only stdin and its own data under /usr, so it can run as nobody.
    const { command, args: commandArgs } = sandboxCommand(ESPEAK_BINARY, args, { asNobody: true, ...(request.limits && { limits: request.limits }) });
    const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let failure: unknown;
    const stop = (error: unknown) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new ModaError('MODEL_INFERENCE_FAILED', `espeak-ng did not finish within ${request.timeoutMs} ms`)), request.timeoutMs);
    // Cancelled like every other run: with the signal's own reason.
    const onAbort = () => stop(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > request.maxOutputBytes) stop(new ModaError('INPUT_TOO_LONG', `the speech is longer than the ${request.maxOutputBytes} bytes allowed`));
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8').slice(0, MAX_STDERR_BYTES - stderr.length);
    });
    // espeak-ng may exit before reading all of stdin (a bad voice); the exit status tells why.
    child.stdin.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish();
      if (error.code === 'ENOENT') reject(new ModaError('ENGINE_UNAVAILABLE', `${ESPEAK_BINARY} was not found on PATH; ${ESPEAK_INSTALL_HINT}`, { cause: error }));
      else reject(new ModaError('ENGINE_UNAVAILABLE', `${ESPEAK_BINARY} could not be started: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => {
      finish();
      if (failure !== undefined) return reject(failure);
      const message = stderr.trim();
      if (code !== 0) {
        if (/voice does not exist/i.test(message)) return reject(new ModaError('TASK_INPUT_INVALID', `espeak-ng has no voice "${request.voice}"`));
        return reject(new ModaError('MODEL_INFERENCE_FAILED', `espeak-ng exited with status ${code}${message ? `: ${message}` : ''}`));
      }
      resolve(Buffer.concat(stdout));
    });
    child.stdin.end(request.text, 'utf8');
  });
}
