/**
 * The ceiling of the benchmark: a bare Fastify 5 app with one route and no
 * plugins, hooks or logging, started as its own process like the real server.
 * bench/run.ts compares every page with what this answers per second.
 *
 * With BENCH_REPLAY=<file> (JSON: status, headers, body, as bench/pages.ts saves
 * a page's answer) the route answers those very headers and body instead: a
 * page's bytes with none of its work, the floor of what that page can cost.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

interface Replay {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const replayFile = process.env.BENCH_REPLAY;
if (replayFile) {
  const replay = JSON.parse(readFileSync(replayFile, 'utf8')) as Replay;
  const body = Buffer.from(replay.body, 'utf8');
  app.get('/', (_request, reply) => {
    void reply.code(replay.status).headers(replay.headers).send(body);
  });
} else {
  app.get('/', async () => ({ hello: 'world' }));
}
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
