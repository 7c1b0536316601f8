// Progress on stderr: a redrawn bar when stderr is a terminal, otherwise nothing but the plain
// lines a command prints (logs of CI jobs stay readable).
import { formatBytes } from './format-output.js';
import type { OutputStream } from './cli-context.js';

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: OutputStream,
    private readonly label: string,
    private readonly total: number,
    /** How the amount done is shown; bytes by default. */
    private readonly describe: (done: number, total: number) => string = (done, total) => `${formatBytes(done)}/${formatBytes(total)}`,
  ) {}

  get interactive(): boolean {
    return this.stream.isTTY === true;
  }

  update(done: number, force = false): void {
    this.done = done;
    if (!this.interactive) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const fraction = this.total > 0 ? Math.min(this.done / this.total, 1) : 1;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
    this.stream.write(`\r\x1b[K${this.label} [${bar}] ${Math.floor(fraction * 100)}% ${this.describe(this.done, this.total)}`);
    this.drawn = true;
  }

  /** Prints a line above the bar (a plain line when stderr is not a terminal). */
  line(text: string): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${text}\n`);
    if (this.drawn) this.update(this.done, true);
  }

  finish(): void {
    if (!this.interactive) return;
    this.update(this.total, true);
    this.stream.write('\n');
    this.drawn = false;
  }
}
