// A TCP port on 127.0.0.1 that nothing listens on right now, for a server a test starts itself
// (Redis, nginx, PostgreSQL). It is drawn below the kernel's ephemeral range (32768–60999 on Linux):
// a port the kernel handed out for `listen(0)` or an outgoing connection could be taken again by
// another test's socket before the server binds it; the kernel never hands these out on its own.
import { createServer } from 'node:net';

const LOWEST = 20_000;
const HIGHEST = 32_767;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${HIGHEST} after 200 tries`);
}
