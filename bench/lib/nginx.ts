// Debian's nginx serving a directory with sendfile: the reference for how fast static bytes can
// leave this machine's loopback. Everything (config, pid, logs, temp paths) stays in one temp prefix.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startService, type Service } from './child-process.js';

export interface NginxServer {
  url: string;
  stop(): Promise<void>;
  service: Service;
}

export async function startNginx(prefix: string, root: string): Promise<NginxServer> {
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const config = `
# Written by bench/lib/nginx.ts for one benchmark run.
daemon off;
worker_processes 2;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`;
  const configPath = join(prefix, 'nginx.conf');
  await writeFile(configPath, config);
  // -e: nginx opens its error log before reading the config; keep that one in the prefix too.
  const { service } = await startService('nginx', ['-c', configPath, '-p', prefix, '-e', join(prefix, 'error.log')], { ready: { port }, timeoutMs: 15_000 });
  return { url: `http://127.0.0.1:${port}`, service, stop: () => service.stop() };
}
