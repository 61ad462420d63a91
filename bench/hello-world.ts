/**
 * The ceiling of the benchmark: a bare Fastify 5 app with one route and no
 * plugins, hooks or logging, started as its own process like the real server.
 * bench/run.ts compares every page with what this answers per second.
 */
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
