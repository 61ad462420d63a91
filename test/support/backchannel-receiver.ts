/**
 * An app's back-channel logout endpoint, for real: an HTTP server on 127.0.0.1 (a private address, as an app on
 * the operator's own network has) that records every request and answers 200, or `status` when set.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
}

export interface BackchannelReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  received: ReceivedRequest[];
  /** The answer to give from now on. */
  status: number;
  /** The logout tokens received so far (the `logout_token` form field of each POST). */
  logoutTokens(): string[];
  close(): Promise<void>;
}

export async function startBackchannelReceiver(): Promise<BackchannelReceiver> {
  const received: ReceivedRequest[] = [];
  const receiver: BackchannelReceiver = {
    origin: '',
    received,
    status: 200,
    logoutTokens: () => received.map((r) => new URLSearchParams(r.body).get('logout_token')).filter((token): token is string => token !== null),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiver.status, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** A loopback address where nothing listens: a server is opened on a free port and closed again. */
export async function closedLoopbackOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
