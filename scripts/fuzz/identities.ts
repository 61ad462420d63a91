/** Who is asking: the visitors and signed-in sessions the fuzzer sends requests as (it builds their users and signs them in), and the forms they see. */
import type { GatehouseApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/password.js';
import { hashToken, newToken } from '../../src/lib/tokens.js';
import { replaceResetToken } from '../../src/db/password-reset-tokens.js';
import { normalizeEmail, normalizeUsername } from '../../src/db/users.js';
import { cookieHeaderOf, findCsrfToken, parseSetCookie } from '../../test/support/cookies.js';

const STATEFUL_FORMS: [string, string[]][] = [
  ['/two-factor/sms/confirm', ['_csrf', 'code']],
  ['/two-factor/sms/resend', ['_csrf', 'channel']],
  ['/login/two-factor/resend', ['_csrf', 'channel']],
  ['/confirm-email/:token', ['_csrf']],
  ['/reset-password/:token', ['_csrf', 'password', 'confirm_password']],
];

export interface Identity {
  name: 'visitor' | 'visitor-with-csrf' | 'signed-in' | 'pending-2fa' | 'signed-in-with-2fa';
  cookies: Map<string, string>;
  /** A CSRF token that matches the identity's CSRF cookie, when it has one. */
  csrf: string | null;
  remoteAddress: string;
}

export class Identities {
  private counter = 0;
  private passwordHash = '';
  readonly password = 'fuzz-password-long-enough-2024 ✓';
  all: Identity[] = [];

  constructor(private readonly app: GatehouseApp) {}

  /** Forms seen on the app's pages: action → field names (with the CSRF token's `_csrf`). */
  readonly forms = new Map<string, Set<string>>();

  async refresh(): Promise<void> {
    this.passwordHash ||= await hashPassword(this.password);
    this.all = [await this.visitor(false), await this.visitor(true), await this.signedIn('signed-in'), await this.signedIn('pending-2fa'), await this.signedIn('signed-in-with-2fa')];
  }

  /** A live reset link for a fresh account, as if its mail had been opened. */
  async resetLink(): Promise<string> {
    const user = await this.insertUser(false);
    const token = newToken();
    const now = Date.now();
    await replaceResetToken(this.app.ctx.db, user.id, hashToken(token), now, now + 30 * 60_000);
    return `/reset-password/${token}`;
  }

  /** Reads every page each identity can reach and notes its forms, so fuzzing reaches past validation into handlers. */
  async discoverForms(routes: string[]): Promise<void> {
    const urls = [...routes.map((route) => route.replace(/:[a-zA-Z]+/g, '1').replace('*', 'x')), await this.resetLink()];
    // Forms a page shows only in a state the crawl does not reach (an enrolment waiting for its code, a mailed link).
    for (const [action, fields] of STATEFUL_FORMS) if (routes.includes(action)) this.forms.set(action, new Set(fields));
    for (const id of this.all) {
      for (const url of urls) {
        let res = await this.send(id, 'GET', url);
        if (res.headers.location && res.statusCode < 400) res = await this.send(id, 'GET', String(res.headers.location));
        for (const form of res.body.matchAll(/<form[^>]*method="post"[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
          const fields = this.forms.get(form[1]!) ?? new Set<string>();
          for (const input of form[2]!.matchAll(/<(?:input|select|textarea)[^>]*name="([^"]+)"/g)) fields.add(input[1]!);
          this.forms.set(form[1]!, fields);
        }
      }
    }
  }

  private async visitor(withCsrf: boolean): Promise<Identity> {
    const id: Identity = { name: withCsrf ? 'visitor-with-csrf' : 'visitor', cookies: new Map(), csrf: null, remoteAddress: this.address() };
    if (withCsrf) id.csrf = await this.page(id, '/login');
    return id;
  }

  /** A fresh account (the last one may have had its password changed or 2FA turned off by a fuzz request), signed in. */
  private async signedIn(name: 'signed-in' | 'pending-2fa' | 'signed-in-with-2fa'): Promise<Identity> {
    const user = await this.insertUser(name !== 'signed-in');
    const id: Identity = { name, cookies: new Map(), csrf: null, remoteAddress: this.address() };
    const token = await this.page(id, '/login');
    await this.send(id, 'POST', '/login', new URLSearchParams({ _csrf: token ?? '', login: user.username, password: this.password }).toString());
    if (name === 'signed-in-with-2fa') {
      // The development Verify adapter put the code in the dev outbox, as a phone would receive it.
      const sms = await this.app.ctx.db.selectFrom('dev_outbox').select('text_body').where('recipient', '=', user.phone!).orderBy('id', 'desc').executeTakeFirst();
      const code = /\b(\d{6})\b/.exec(sms?.text_body ?? '')?.[1] ?? '000000';
      const codeToken = await this.page(id, '/login/two-factor');
      await this.send(id, 'POST', '/login/two-factor', new URLSearchParams({ _csrf: codeToken ?? '', code }).toString());
    }
    id.csrf = await this.page(id, name === 'pending-2fa' ? '/login/two-factor' : '/profile/edit');
    return id;
  }

  private async insertUser(withPhone: boolean): Promise<{ id: number; username: string; phone: string | null }> {
    const n = ++this.counter;
    const username = `fuzz${n}`;
    const phone = withPhone ? `+1201555${String(1000 + (n % 9000)).padStart(4, '0')}` : null;
    const now = Date.now();
    const row = await this.app.ctx.db
      .insertInto('users')
      .values({
        username,
        username_normalized: normalizeUsername(username),
        email: `${username}@example.com`,
        email_normalized: normalizeEmail(`${username}@example.com`),
        first_name: 'Fuzz',
        last_name: 'User',
        password_hash: this.passwordHash,
        about_me: '',
        phone,
        two_factor_enabled: withPhone ? 1 : 0,
        created_at: now,
        last_seen_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, username, phone };
  }

  /** Each identity has its own address, so per-IP throttling of one does not starve the rest. */
  private address(): string {
    return `10.${(this.counter >> 8) & 255}.${this.counter & 255}.${1 + (this.all.length % 250)}`;
  }

  private async page(id: Identity, url: string): Promise<string | null> {
    const res = await this.send(id, 'GET', url);
    return findCsrfToken(res.body);
  }

  private async send(id: Identity, method: 'GET' | 'POST', url: string, payload?: string) {
    const res = await this.app.inject({
      method,
      url,
      payload,
      remoteAddress: id.remoteAddress,
      headers: { cookie: cookieHeaderOf(id.cookies), ...(payload ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    storeCookies(id.cookies, res.headers['set-cookie']);
    return res;
  }
}

/** Keeps what a response's Set-Cookie headers set, and drops what they delete. */
function storeCookies(cookies: Map<string, string>, setCookie: string | string[] | undefined): void {
  for (const raw of [setCookie ?? []].flat()) {
    const { name, value, expired } = parseSetCookie(raw);
    if (expired) cookies.delete(name);
    else cookies.set(name, value);
  }
}
