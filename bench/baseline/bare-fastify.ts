// The repo-info baseline: the same fastify as Moda, one route, answering fixed JSON bytes captured
// from Moda. Its requests/second is the ceiling for a Node HTTP handler on this machine.
// Usage: node --import tsx bench/baseline/bare-fastify.ts <port> <body.json>
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

const [portText = '', bodyPath = ''] = process.argv.slice(2);
const body = await readFile(bodyPath);
const app = Fastify({ logger: false });
app.get('/api/models/:namespace/:name', (_request, reply) => {
  void reply.type('application/json; charset=utf-8').send(body);
});
await app.listen({ host: '127.0.0.1', port: Number(portText) });
process.stdout.write(`bare fastify listening on ${portText}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
