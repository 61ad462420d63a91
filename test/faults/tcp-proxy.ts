/**
 * A TCP proxy on loopback that a test can cut: the app talks to the database
 * through it, and the test decides whether the database is reachable.
 *
 * - `up`: bytes flow both ways to the target.
 * - `down()`: every open connection is reset and the port stops listening, so
 *   new connections are refused (ECONNREFUSED) — PostgreSQL stopped, or a
 *   connection pointed at a closed port.
 * - `blackhole()`: open connections are reset, new ones are accepted but never
 *   answered — a dead host or a firewall dropping packets.
 * - `up()`: the same port listens and forwards again.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyState = 'up' | 'down' | 'blackhole';

export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private stateNow: ProxyState = 'down';
  /** Connections accepted so far (a new database connection each). */
  connections = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private portNow: number,
  ) {}

  /** Starts forwarding 127.0.0.1:<a free port> to `targetHost:targetPort`. */
  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetHost, targetPort, 0);
    await proxy.up();
    return proxy;
  }

  get port(): number {
    return this.portNow;
  }

  get state(): ProxyState {
    return this.stateNow;
  }

  async up(): Promise<void> {
    await this.listen('up');
  }

  async blackhole(): Promise<void> {
    this.resetAll();
    await this.listen('blackhole');
  }

  async down(): Promise<void> {
    this.resetAll();
    const server = this.server;
    this.server = null;
    this.stateNow = 'down';
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.down();
  }

  private async listen(state: ProxyState): Promise<void> {
    this.stateNow = state;
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNow, '127.0.0.1', () => resolve());
    });
    this.portNow = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private accept(client: Socket): void {
    this.connections++;
    this.track(client);
    if (this.stateNow !== 'up') return; // blackhole: hold the connection, answer nothing
    const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined); // resets are the point of this proxy
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** Resets every open connection (RST where possible), like a server or network going away. */
  private resetAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }
}
