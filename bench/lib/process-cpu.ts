// CPU seconds a process has used so far (user + system, from /proc/<pid>/stat), to report what a
// transfer cost the server and not only how long it took.
import { readFile } from 'node:fs/promises';

/** Kernel clock ticks per second; 100 on every Linux build this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return (user + system) / TICKS_PER_SECOND;
}
