/**
 * `npm run bench`: where a request's time goes, measured the way a deployment runs, on this machine.
 *
 * Starts the real server (`node dist/server.js` with npm start's flags, compiled into a temp folder) as a child process
 * on a fresh SQLite database with seeded users, in production mode behind a TLS proxy: NODE_ENV=production, APP_URL
 * https://gatehouse.bench.test (never resolved: requests go to the server's own port), TRUST_PROXY=127.0.0.1, and
 * every request carries the proxy's headers (X-Forwarded-Proto: https, Host and X-Forwarded-Host of APP_URL,
 * X-Forwarded-For per user; settings.ts PROXY_HEADERS), so cookies are Secure and __Host- prefixed. Its peers are
 * real and on loopback (peers.ts): the Twilio Verify stand-in (test/support/twilio-stand-in.ts) over https with a
 * self-signed certificate made by openssl at the start (NODE_EXTRA_CA_CERTS), and an SMTP server for the
 * new-browser sign-in notices. autocannon drives it from this process: 32 connections, BENCH_DURATION seconds
 * (default 10) after a short warm-up.
 *
 * BENCH_ROUNDS rounds (default 3; rounds.ts), each: a bare Fastify hello-world (the ceiling, its own process), GET
 * /login and signed-in GET /user/<name> as shares of that ceiling; the raw argon2id verify rate of this machine (same
 * parameters, same concurrency), then the full sign-in (GET + POST /login) as a share of it, and GET /login latency at
 * a steady 100 req/s while a sign-in storm runs. The report gives the median share of the rounds and their range, and
 * each round. Single runs then: signed-in GET /, GET /login at 100 req/s alone, the OpenID Connect provider's
 * discovery and JWKS documents, code → token exchanges of a signed-in person and refresh-token grants, the 2FA code
 * check, and forward-auth checks (`GET /api/authz/forward-auth` for a signed-in, allowed session, as a reverse proxy
 * asks them) on a server started with ACCESS_RULES_FILE; plus the server's RSS idle after start and after 1,000
 * requests, its peak under load, and its time from start to first response. The table goes to stdout and to
 * bench/results/latest.md.
 *
 *     npm run bench                                   # several minutes
 *     BENCH_DURATION=2 BENCH_ROUNDS=2 npm run bench   # a smoke run
 *     npm run bench -- --large            # 1,000 vs 1,000,000 users (SQLite; PostgreSQL too with DATABASE_URL); development mode, one run
 *     npm run bench -- --forward-auth     # the ceiling and forward-auth only, production mode (bench/results/forward-auth.md)
 *     npm run bench -- --console-search   # the console's people search over a million accounts (bench/results/console-search.md)
 *     npm run bench -- --pages            # the ceiling, GET /login and signed-in pages with CPU per request (bench/results/pages.md)
 *     npm run bench -- --sign-in          # sign-ins from new and returning browsers against raw argon2id, with where the CPU went (bench/results/sign-in.md)
 *     npm run bench -- --start            # start time and idle RSS over BENCH_STARTS starts (bench/results/start.md)
 *     BENCH_CPU_PROF=/tmp/prof npm run bench -- --forward-auth   # and a CPU profile of the forward-auth server (--pages too)
 *     npm run bench:profile -- /tmp/prof/<file>.cpuprofile        # where that profile's time went, as text
 *
 * Rate limits: the server trusts X-Forwarded-For from 127.0.0.1 (TRUST_PROXY) and every benchmark user
 * signs in from an address of its own, as real users do, so the per-IP limits (code sends: 20 an hour
 * per IP) count each user separately; SMS_HOURLY_BUDGET is raised to its maximum. No limit is switched
 * off or changed in the app: successful sign-ins refund their per-IP point anyway, and two attempts on
 * one account are never in flight together (the per-account slot would refuse the second).
 *
 * This file only picks the mode. The modes: default.ts (with rounds.ts), large.ts, forward-auth.ts, pages.ts, sign-in.ts, start.ts, console-search.ts;
 * what they share: settings.ts (connections, durations, rounds, targets, the proxy's headers), server.ts (build, spawn,
 * the ceiling, PostgreSQL databases), peers.ts (production mode's Twilio stand-in and SMTP server), load.ts
 * (autocannon, where requests go and with which headers, CPU per request, others' CPU, RSS), sessions.ts (signing
 * in, cookies, forms, the sign-in storm), two-factor.ts and oidc.ts (their runs), report.ts (machine lines, formats, writing bench/results/*.md).
 */
import { consoleSearchBench } from './console-search.js';
import { defaultBench } from './default.js';
import { forwardAuthBench } from './forward-auth.js';
import { largeBench } from './large.js';
import { pagesBench } from './pages.js';
import { signInBench } from './sign-in.js';
import { startBench } from './start.js';

if (process.argv.includes('--large')) await largeBench();
else if (process.argv.includes('--console-search')) await consoleSearchBench();
else if (process.argv.includes('--forward-auth')) await forwardAuthBench();
else if (process.argv.includes('--pages')) await pagesBench();
else if (process.argv.includes('--start')) await startBench();
else if (process.argv.includes('--sign-in')) await signInBench();
else await defaultBench();
