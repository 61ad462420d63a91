/**
 * The provider that answers now. oidc-provider takes its signing keys once, when it is built; a rotation
 * (`keys rotate`, src/oidc/keys.ts) changes which keys are published and which one signs at moments written in
 * the database. Every KEY_CHECK_INTERVAL_MS each instance reads the keys' times (no key material) and computes the
 * order they give at that moment; when it differs from the order its provider was built with, it builds a new
 * provider with the keys opened afresh and swaps it in. Requests already inside the old provider finish there;
 * everything the provider remembers is in the database (src/oidc/adapter.ts), so nothing is lost by the swap.
 * Decision record 019 says why a swap rather than a restart.
 *
 * The keys are opened at the start (a key that does not open under SECRET_KEY stops it, as before), but the library
 * (about 19 MB and 150 ms of loading) is loaded and the provider built only when a request first needs it: an
 * instance that serves only the site and forward-auth never loads it. Decision record 025 says why.
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
/** Builds a provider for these keys (src/oidc/provider.ts, loaded with the library on the first call). */
export type BuildProvider = (keys: SigningJwk[]) => Promise<Provider>;

/**
 * True for the library's "no interaction to go on with" (no interaction cookie, or it expired or finished). The
 * library is loaded by then: only a provider's own call throws it.
 */
export async function isInteractionGone(error: unknown): Promise<boolean> {
  const { errors } = await import('oidc-provider');
  return error instanceof errors.SessionNotFound;
}

interface Built {
  provider: Provider;
  handler: Handler;
}

export class LiveProvider {
  /** The keys (and their order) the next provider is built with; the current one was built with them too. */
  #keys: SigningJwk[];
  #order: string;
  /** The provider that answers, once a request has needed one. */
  #current: Built | undefined;
  /** The first build, while it runs: requests that arrive meanwhile wait for it together. */
  #building: Promise<Built> | undefined;
  #checking: Promise<boolean> | null = null;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ctx: AppContext,
    private readonly build: BuildProvider,
    private readonly log: FastifyBaseLogger,
    keys: SigningJwk[],
    order: string,
  ) {
    this.#keys = keys;
    this.#order = order;
  }

  /** Loads (at the first start: makes) the keys; a key that does not open throws. Builds no provider yet. */
  static async start(ctx: AppContext, build: BuildProvider, log: FastifyBaseLogger): Promise<LiveProvider> {
    const { keys, order } = await loadSigningKeys(ctx.db, ctx.clock, ctx.config.secretKey);
    return new LiveProvider(ctx, build, log, keys, order);
  }

  /** The provider to hand a request to (the interaction routes; anything that signs), built on the first call. */
  async provider(): Promise<Provider> {
    return (await this.#built()).provider;
  }

  /** Whether a provider has been built (a request needed one) in this process. */
  get isBuilt(): boolean {
    return this.#current !== undefined;
  }

  /**
   * Hands a request to the current provider's Koa handler (the `/oidc/*` routes call this, src/oidc/mount.ts). The
   * first request waits for the build; a build that fails goes to `next` (the site's error page) and the next request
   * tries again.
   */
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
    if (this.#current) return this.#current.handler(req, res);
    this.#built()
      .then((built) => built.handler(req, res))
      .catch(next);
  }

  #built(): Promise<Built> {
    if (this.#current) return Promise.resolve(this.#current);
    this.#building ??= this.#make(this.#keys)
      .then((built) => {
        // A look at the keys may have built a newer one meanwhile: that one stays.
        this.#current ??= built;
        return this.#current;
      })
      .finally(() => (this.#building = undefined));
    return this.#building;
  }

  async #make(keys: SigningJwk[]): Promise<Built> {
    const provider = await this.build(keys);
    return { provider, handler: provider.callback() };
  }

  /**
   * Looks at the keys now; when their order changed, takes the keys afresh and, if a provider was built, builds and
   * swaps in a new one. True when the order changed. Calls that overlap share one look. A failure (database away,
   * a key that does not open) keeps the provider and its keys as they are and is logged: the next look tries again.
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
      // A first build under way ends first (its failure is its requests' concern), so there is one build at a time
      // and none can start with the old keys after this look. From the loop's end to `#keys` below nothing awaits.
      while (this.#building) await this.#building.catch(() => undefined);
      // Nothing built (no request needed the provider yet): the first build takes these keys.
      const built = this.#current !== undefined;
      if (built) this.#current = await this.#make(keys);
      this.#keys = keys;
      const before = this.#order;
      this.#order = order;
      const message = built ? 'the provider now publishes and signs with them' : 'the provider, once a request needs it, will publish and sign with them';
      this.log.info({ before, after: order }, `the OpenID Connect signing keys changed: ${message}`);
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
