/**
 * A small browser over `app.inject()`: it keeps cookies like a browser does
 * and can fill in a page's form, CSRF token included. Tests read as a user's
 * steps: `await client.get('/login')`, `await client.submit('/login', {...})`.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { cookieHeaderOf, findCsrfToken, parseSetCookie } from './cookies.js';

export interface Page {
  status: number;
  body: string;
  headers: LightMyRequestResponse['headers'];
  location: string | undefined;
  setCookies: string[];
}

interface StoredCookie {
  value: string;
}

export function csrfTokenIn(body: string): string {
  const token = findCsrfToken(body);
  if (token === null) throw new Error('no CSRF token on the page');
  return token;
}

/** The visible text of the flash message on a page, if any. */
export function flashIn(body: string): string | null {
  const match = /<div class="flash[^"]*"[^>]*>([\s\S]*?)<\/div>/.exec(body);
  return match ? match[1]!.trim() : null;
}

export class TestClient {
  readonly cookies = new Map<string, StoredCookie>();
  /** Sent with every request, like a browser's own headers (e.g. `user-agent`). */
  readonly headers: Record<string, string> = {};

  constructor(
    private readonly app: FastifyInstance,
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  cookieHeader(): string {
    return cookieHeaderOf([...this.cookies].map(([name, cookie]) => [name, cookie.value] as const));
  }

  async request(method: string, url: string, options: { form?: Record<string, string | string[]>; headers?: Record<string, string>; payload?: string } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    const cookie = this.cookieHeader();
    if (cookie) headers.cookie = cookie;
    let payload = options.payload;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) for (const item of [v].flat()) params.append(k, item);
      payload = params.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const res = await this.app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: this.remoteAddress });
    const setCookies = [res.headers['set-cookie'] ?? []].flat();
    for (const raw of setCookies) this.store(raw);
    const location = res.headers.location;
    return { status: res.statusCode, body: res.body, headers: res.headers, location: typeof location === 'string' ? location : undefined, setCookies };
  }

  get(url: string, headers?: Record<string, string>): Promise<Page> {
    return this.request('GET', url, { headers });
  }

  post(url: string, form: Record<string, string | string[]>): Promise<Page> {
    return this.request('POST', url, { form });
  }

  /**
   * GET `pageUrl` (following redirects, as a browser would), take the CSRF token
   * of the page it lands on, then POST `fields` to `action` (default: that page).
   */
  async submit(pageUrl: string, fields: Record<string, string | string[]>, action?: string): Promise<Page> {
    let url = pageUrl;
    let page = await this.get(url);
    for (let hops = 0; page.location && hops < 5; hops++) {
      url = page.location;
      page = await this.get(url);
    }
    return this.post(action ?? url.split('?')[0]!, { _csrf: csrfTokenIn(page.body), ...fields });
  }

  /** GET `url` and follow its redirects, as a browser does when a link is opened. */
  async open(url: string): Promise<Page> {
    return this.follow(await this.get(url));
  }

  /** Follows redirects from a response like a browser (GET each Location). */
  async follow(page: Page, maxHops = 5): Promise<Page> {
    let current = page;
    for (let i = 0; i < maxHops && current.location; i++) current = await this.get(current.location);
    return current;
  }

  private store(raw: string): void {
    const { name, value, expired } = parseSetCookie(raw);
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, { value });
  }
}

/** Signs in through the login form; returns the final response (after redirects are NOT followed). */
export async function signIn(client: TestClient, login: string, password: string, extra: Record<string, string> = {}): Promise<Page> {
  return client.submit('/login', { login, password, ...extra });
}

/**
 * Asks for a password-reset link the way the form does: GET /reset-password
 * for its CSRF token, then POST the address. `headers` go with the POST only
 * (e.g. a forged Host). Returns the answer to the POST.
 */
export async function askForPasswordReset(client: TestClient, email: string, headers: Record<string, string> = {}): Promise<Page> {
  const form = await client.get('/reset-password');
  return client.request('POST', '/reset-password', { form: { _csrf: csrfTokenIn(form.body), email }, headers });
}
