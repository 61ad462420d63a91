/**
 * The provider that answers now. oidc-provider takes its signing keys once, when it is built; a rotation
 * (`keys rotate`, src/oidc/keys.ts) changes which keys are published and which one signs at moments written in
 * the database. Every KEY_CHECK_INTERVAL_MS each instance reads the keys' times (no key material) and computes the
 * order they give at that moment; when it differs from the order its provider was built with, it builds a new
 * provider with the keys opened afresh and swaps it in. Requests already inside the old provider finish there;
 * everything the provider remembers is in the database (src/oidc/adapter.ts), so nothing is lost by the swap.
 * Decision record 019 says why a swap rather than a restart.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type Provider from 'oidc-provider';
import type { AppContext } from '../context.js';
import { publishedSigningKeyTimes } from '../db/oidc-keys.js';
import { minutes } from '../lib/duration.js';
import { loadSigningKeys, signingKeyOrder, type SigningJwk } from './keys.js';

/**
 * How often each instance looks at the keys: one indexed read of a few rows. An instance starts publishing a new
 * key at most this long after `keys rotate` and signs with it at most this long after its time has come, both well
 * inside KEY_PUBLISH_LEAD_MS (1 hour), so every app can check whatever any instance signs.
 */
export const KEY_CHECK_INTERVAL_MS = minutes(5);

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export class LiveProvider {
  #provider: Provider;
  #handler: Handler;
  #order: string;
  #checking: Promise<boolean> | null = null;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ctx: AppContext,
    private readonly build: (keys: SigningJwk[]) => Provider,
    private readonly log: FastifyBaseLogger,
    keys: SigningJwk[],
    order: string,
  ) {
    this.#provider = build(keys);
    this.#handler = this.#provider.callback();
    this.#order = order;
  }

  /** Loads (at the first start: makes) the keys and builds the first provider; a key that does not open throws. */
  static async start(ctx: AppContext, build: (keys: SigningJwk[]) => Provider, log: FastifyBaseLogger): Promise<LiveProvider> {
    const { keys, order } = await loadSigningKeys(ctx.db, ctx.clock, ctx.config.secretKey);
    return new LiveProvider(ctx, build, log, keys, order);
  }

  /** The provider to hand a request to (the interaction routes; anything that signs). */
  get current(): Provider {
    return this.#provider;
  }

  /** The current provider's Koa handler (middie calls this for /oidc/*). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#handler(req, res);
  }

  /**
   * Looks at the keys now; builds and swaps in a new provider when their order changed. True when it swapped.
   * Calls that overlap share one look. A failure (database away, a key that does not open) keeps the provider
   * as it is and is logged: the next look tries again.
   */
  check(): Promise<boolean> {
    this.#checking ??= this.#check().finally(() => (this.#checking = null));
    return this.#checking;
  }

  async #check(): Promise<boolean> {
    try {
      const { db, clock, config } = this.ctx;
      const now = clock.now();
      if (signingKeyOrder(await publishedSigningKeyTimes(db, now), now) === this.#order) return false;
      const { keys, order } = await loadSigningKeys(db, clock, config.secretKey);
      const provider = this.build(keys);
      const handler = provider.callback();
      this.#provider = provider;
      this.#handler = handler;
      const before = this.#order;
      this.#order = order;
      this.log.info({ before, after: order }, 'the OpenID Connect signing keys changed: the provider now publishes and signs with them');
      return true;
    } catch (error) {
      this.log.error({ err: error }, 'looking at the OpenID Connect signing keys failed; the provider keeps its keys and looks again later');
      return false;
    }
  }

  /** Looks every KEY_CHECK_INTERVAL_MS until stop(). */
  startChecking(): void {
    this.#timer ??= setInterval(() => void this.check(), KEY_CHECK_INTERVAL_MS).unref();
  }

  stopChecking(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
