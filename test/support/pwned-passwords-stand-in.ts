/**
 * A stand-in for the Pwned Passwords range API on a real loopback port, so
 * the adapter's own fetch, timeout and parsing are what tests exercise. It
 * speaks the wire format of https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange:
 * GET /range/{5 hex} → 200 text/plain, one `SUFFIX:COUNT` per line (CRLF),
 * suffixes in upper case; with `Add-Padding: true` it adds decoy lines with a
 * count of 0, as the real service does. Tests list breached passwords with
 * `breach(password, count)`, read what was asked in `requests`, and force an
 * outage with `force(500 | 'hang')`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RangeRequest {
  path: string;
  headers: IncomingMessage['headers'];
}

export const sha1Hex = (text: string) => createHash('sha1').update(text, 'utf8').digest('hex').toUpperCase();

export class PwnedPasswordsStandIn {
  readonly requests: RangeRequest[] = [];
  private readonly counts = new Map<string, number>();
  private forced: 500 | 'hang' | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<PwnedPasswordsStandIn> {
    const holder: { standIn?: PwnedPasswordsStandIn } = {};
    const server = createServer((req, res) => holder.standIn!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.standIn = new PwnedPasswordsStandIn(server, `http://127.0.0.1:${port}`);
    return holder.standIn;
  }

  /** The settings that point Gatehouse at this stand-in. */
  env(): Record<string, string> {
    return { PWNED_PASSWORDS_CHECK: 'true', PWNED_PASSWORDS_API_URL: this.url };
  }

  /** Lists `password` (exactly these characters) as seen `count` times in breaches. */
  breach(password: string, count: number): void {
    this.counts.set(sha1Hex(password), count);
  }

  force(failure: 500 | 'hang' | null): void {
    this.forced = failure;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ path: req.url ?? '', headers: req.headers });
    if (this.forced === 'hang') return; // never answers; the client must give up on its own
    if (this.forced === 500) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
      return;
    }
    const match = /^\/range\/([0-9A-Fa-f]{5})$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) {
      // The real API answers a malformed prefix with 400.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('The hash prefix was not in a valid format');
      return;
    }
    const prefix = match[1]!.toUpperCase();
    const lines = [...this.counts].filter(([hash]) => hash.startsWith(prefix)).map(([hash, n]) => `${hash.slice(5)}:${n}`);
    if (req.headers['add-padding'] === 'true') {
      for (let i = 0; i < 20; i++) lines.push(`${randomBytes(18).toString('hex').toUpperCase().slice(0, 35)}:0`);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  }
}
