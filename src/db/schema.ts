/**
 * The tables, as Kysely sees them. Times are integers: milliseconds since the
 * Unix epoch (BIGINT on PostgreSQL, INTEGER on SQLite), so both databases
 * compare and sort them the same way. Booleans are 0/1 integers for the same
 * reason.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username; unique, so "Alice" and "alice" cannot both exist. */
  username_normalized: string;
  email: string;
  /** Trimmed, NFKC, lower-cased email; unique. */
  email_normalized: string;
  first_name: string;
  last_name: string;
  password_hash: string;
  about_me: string;
  /** E.164 phone number used for SMS two-factor, or null when 2FA is off. */
  phone: string | null;
  two_factor_enabled: number;
  created_at: number;
  last_seen_at: number;
  /** When the user opened a confirmation link sent to `email`; null until then. */
  email_confirmed_at: number | null;
  /** When the owner was last told that someone tried to register with this address (throttles that mail). */
  registration_notice_sent_at: number | null;
  /** The second factor this user completed a sign-in with last ('sms', 'totp', 'passkey'); offered first next time. */
  last_factor: string | null;
  /** 1 after an account recovery removed the second factors, until one is set up again (migration 009). */
  must_set_up_factor: Generated<number>;
  /** Random WebAuthn user handle (base64url), made at the first passkey; a passkey stores it instead of the username. */
  webauthn_user_handle: string | null;
  /** E.164 backup number for SMS codes (migration 011); only while `phone` has SMS codes on. */
  backup_phone: string | null;
  /** 1 when the user turned on email codes as a fallback second factor (migration 011). */
  email_codes_enabled: Generated<number>;
  /** The language of this account's mail, 'en' or 'es' (migration 012); null reads as English. */
  locale: string | null;
  /**
   * The `sub` other apps know the account by (migration 015): random, opaque, never reused. Set by `insertUser`;
   * null only for an account an older Gatehouse made during a rolling upgrade (`oidcSubjectOf` fills it in).
   */
  oidc_subject: string | null;
  /** 1 for an operator of the web console (migration 020): set and cleared only by the admin CLI. */
  is_admin: Generated<number>;
  /** When an operator suspended the account (migration 021); null while it is active. No sign-in completes while set. */
  suspended_at: number | null;
  /** "first last", normalized, for the console's search by name (migration 024); set by `insertUser`. */
  name_key: string | null;
  /** "last first", normalized: a surname finds the person too. */
  surname_key: string | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the token in the cookie; the token itself is never stored. */
  id: string;
  user_id: number;
  /** 1 while the password is verified but the second factor is not. */
  two_factor_pending: number;
  remember: number;
  /** Where to go after a pending sign-in completes (a checked same-origin path). */
  next_path: string | null;
  failed_code_attempts: number;
  code_sent_at: number | null;
  created_at: number;
  last_active_at: number;
  /** Absolute end of the session. */
  expires_at: number;
  /** The CSRF secret of this session's forms (base64url); null for sessions older than migration 003. */
  csrf_secret: string | null;
  /** When this session last proved the password (sign-in or re-authentication); step-up needs it recent. */
  authenticated_at: number | null;
  /** Where the session started (shown on the security page; stored bounded). */
  ip: string | null;
  user_agent: string | null;
  /** Which of the user's phones got this pending sign-in's last code: 'main' or 'backup' (migration 011). */
  code_sent_to: string | null;
  /** How the last phone code of a pending sign-in went out: 'sms' or 'call' (migration 014). */
  code_sent_by: string | null;
  /** What the person proved to sign in, in order, comma-separated (src/auth/sign-in.ts); null while pending. */
  sign_in_methods: string | null;
  /** 1 when a remembered device stood in for the second factor at sign-in. */
  second_step_skipped: number;
  /** The uid of the OpenID Connect provider's session standing for this sign-in, once an app got a code (migration 018). */
  oidc_session_uid: string | null;
  /** The backup state (1 synced, 0 device-bound) of the passkey used at sign-in; null without one (migration 016). */
  sign_in_passkey_backed_up: number | null;
}

export interface PasswordResetTokensTable {
  /** SHA-256 (hex) of the token in the emailed link. */
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface EmailConfirmationTokensTable {
  /** SHA-256 (hex) of the token in the emailed confirmation link. */
  token_hash: string;
  /** One live link per user; a new one replaces it. */
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface PhoneEnrollmentsTable {
  /** One enrolment in progress per user; a new one replaces it. */
  user_id: number;
  phone: string;
  code_sent_at: number | null;
  failed_code_attempts: number;
  created_at: number;
  /** Which number this is for: 'main' (turns SMS codes on, or moves them) or 'backup' (migration 011). */
  kind: Generated<string>;
}

export interface MailOutboxTable {
  id: Generated<number>;
  /** One of MAIL_KINDS (src/db/mail-outbox.ts); 'unknown' for rows queued before migration 013. */
  kind: string;
  /** The account the mail is about (ON DELETE CASCADE); null for mail that outlives it (the deletion notice). */
  user_id: number | null;
  to_address: string;
  /**
   * The subject and bodies (and what to send instead once a link in them has expired), sealed with
   * AES-256-GCM under a key derived from SECRET_KEY (`MailSeal`); null once the mail is sent.
   */
  content: string | null;
  created_at: number;
  /** When the mail was last put in the queue: its creation, or a `mail retry`. Retries stop MAIL_RETRY_FOR after it. */
  queued_at: number;
  attempts: number;
  next_attempt_at: number;
  /** A worker that claims a row sets this into the future; others skip it until then. */
  locked_until: number | null;
  sent_at: number | null;
  /** Set when the message was given up on (MAIL_RETRY_FOR passed, or its content cannot be opened). */
  failed_at: number | null;
  last_error: string | null;
}

export interface DevOutboxTable {
  id: Generated<number>;
  kind: 'email' | 'sms' | 'call';
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
}

export interface DevVerificationsTable {
  /** E.164 number; one live verification per number, as Twilio Verify keeps it. */
  recipient: string;
  code_hash: string;
  checks: number;
  sends: number;
  expires_at: number;
}

export interface TotpFactorsTable {
  /** One authenticator app per user. */
  user_id: number;
  /** The 160-bit key, sealed with a key derived from SECRET_KEY (src/lib/secret-box.ts). */
  secret: string;
  created_at: number;
  /** null while enrolling: the factor counts only after a valid code. */
  confirmed_at: number | null;
  /** The newest 30-second step a code was accepted for; codes for it or older are refused. */
  last_used_step: number | null;
}

export interface RecoveryCodesTable {
  user_id: number;
  /** HMAC-SHA-256 (hex) of the normalized code under a key derived from SECRET_KEY. */
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface SecurityEventsTable {
  id: Generated<number>;
  user_id: number;
  /** One of SECURITY_EVENT_KINDS (src/db/security-events.ts); never a secret. */
  kind: string;
  created_at: number;
  ip: string | null;
  user_agent: string | null;
  /** The app an app event (`oidc_*`) was about, by client_id (migration 019); null for every other event. */
  client_id: string | null;
}

/** One action of an operator (migration 020, src/db/admin-audit.ts): append-only, never a secret. */
export interface AdminAuditTable {
  id: Generated<number>;
  created_at: number;
  /** The admin who acted; null for the CLI. No foreign key: the entry outlives the account. */
  actor_user_id: number | null;
  /** The admin's username at the time, or `cli (<OS user>)`. */
  actor: string;
  /** One of ADMIN_ACTIONS. */
  action: string;
  /** The person acted on, if any; no foreign key (a deletion is an entry too). */
  target_user_id: number | null;
  /** The person's username at the time. */
  target: string | null;
  /** A small JSON object of what was chosen (a group, an app); never a secret. */
  detail: string | null;
  ip: string | null;
  request_id: string | null;
}

export interface TrustedDevicesTable {
  /** SHA-256 (hex) of the token in the device's cookie. */
  token_hash: string;
  user_id: number;
  /** "Firefox on Windows", from the User-Agent when it was trusted. */
  name: string;
  created_at: number;
  last_used_at: number;
  last_ip: string | null;
  expires_at: number;
}

export interface WasntMeTokensTable {
  /** SHA-256 (hex) of the token in a notice's "This wasn't me" link. */
  token_hash: string;
  user_id: number;
  /** The address the notice with this link went to (migration 008; null before). */
  sent_to: string | null;
  created_at: number;
  expires_at: number;
}

export interface EmailChangeTokensTable {
  /** SHA-256 (hex) of the token in the link mailed to the new address. */
  token_hash: string;
  /** One pending change per user. */
  user_id: number;
  new_email: string;
  created_at: number;
  expires_at: number;
}

export interface KnownBrowsersTable {
  user_id: number;
  /** SHA-256 (hex) of the browser id in the browser's cookie. */
  browser_hash: string;
  first_seen_at: number;
  last_seen_at: number;
}

export interface WebauthnCredentialsTable {
  /** The credential id (base64url) the authenticator chose. */
  id: string;
  user_id: number;
  /** COSE-encoded public key (base64url). */
  public_key: string;
  /** Signature counter; a lower one than stored means a cloned authenticator. */
  counter: number;
  /** Comma-separated transports the browser reported ("internal", "usb", …), as hints for later sign-ins. */
  transports: string | null;
  /** 1 for a synced passkey, 0 for a key bound to one device. */
  backed_up: number;
  /** The owner's name for it ("Phone", "YubiKey"). */
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface WebauthnUsedChallengesTable {
  /** The nonce of a challenge answered already (base64url). */
  nonce: string;
  expires_at: number;
}

export interface AccountRecoveryLinksTable {
  /** SHA-256 (hex) of the token in the mailed "start the recovery" link. */
  token_hash: string;
  /** One live link per user; a new one replaces it. */
  user_id: number;
  created_at: number;
  expires_at: number;
}

export interface AccountRecoveriesTable {
  id: Generated<number>;
  /** At most one live recovery (neither cancelled nor completed) per user. */
  user_id: number;
  started_at: number;
  /** The end of the waiting period: from then on, the next password sign-in removes the second factors. */
  completes_at: number;
  /** SHA-256 (hex) of the token in the mailed "Cancel the recovery" link. */
  cancel_token_hash: string;
  cancelled_at: number | null;
  completed_at: number | null;
}

export interface EmailSignInCodesTable {
  /** The pending sign-in this code finishes; one code per pending sign-in. */
  session_id: string;
  user_id: number;
  /** HMAC-SHA-256 (hex) of the 6 digits under a key derived from SECRET_KEY. */
  code_hash: string;
  created_at: number;
  expires_at: number;
}

/** What oidc-provider stores (src/oidc/adapter.ts): one row per (model, id). */
export interface OidcPayloadsTable {
  /** The provider's model name: 'AuthorizationCode', 'AccessToken', 'RefreshToken', 'Grant', 'Session', … */
  model: string;
  /** The model's id; for codes and tokens (bearer secrets) the SHA-256 of it (src/oidc/adapter.ts). */
  id: string;
  /** The model's payload as JSON (without the id of a code or token). */
  payload: string;
  grant_id: string | null;
  /** A provider Session's uid. */
  session_uid: string | null;
  /** The account's OpenID Connect subject (users.oidc_subject). */
  account_id: string | null;
  client_id: string | null;
  expires_at: number | null;
  /** When a code or refresh token was used; set at most once (the atomic consume). */
  consumed_at: number | null;
}

/** An app that signs people in with Gatehouse, registered with the admin CLI or the console (src/oidc/app-registration.ts). */
export interface OidcAppsTable {
  client_id: string;
  name: string;
  /** 'web' (confidential), 'public' (no secret, PKCE only), 'service' (client credentials only). */
  kind: string;
  /** SHA-256 (hex) of the client secret; the secret itself is shown once and never stored. Null for 'public'. */
  secret_hash: string | null;
  /** JSON array of the exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of the exact post-logout redirect URIs. */
  post_logout_redirect_uris: string;
  backchannel_logout_uri: string | null;
  /** 1: the app belongs to whoever runs Gatehouse, and no consent is asked. */
  first_party: number;
  /** 'none', 'two-factor' or 'passkey'. */
  requirement: string;
  /** 'ES256' (the default) or 'RS256'. */
  id_token_alg: string;
  created_at: number;
  secret_rotated_at: number | null;
}

/** A key that signs ID tokens (src/oidc/keys.ts). */
export interface OidcSigningKeysTable {
  kid: string;
  /** 'ES256' or 'RS256'. */
  alg: string;
  /** The private JWK (JSON), sealed with SecretBox under SECRET_KEY. */
  private_jwk_sealed: string;
  /** The public JWK (JSON). */
  public_jwk: string;
  created_at: number;
  signs_from: number;
  published_until: number | null;
}

/** An app the person let in ("Apps with access" on the security page); written when a code is issued. */
export interface OidcAppAccessTable {
  user_id: number;
  client_id: string;
  first_granted_at: number;
  last_sign_in_at: number;
}

/** The groups an operator put an account in (admin CLI `groups add`); the `groups` claim. */
export interface UserGroupsTable {
  user_id: number;
  group_name: string;
}

/** One code send tried (migration 022): never the number, nor the account. */
export interface SmsSendsTable {
  id: Generated<number>;
  created_at: number;
  /** ISO 3166-1 alpha-2 of the number; null for numbers of no country (+800, +882, +883). */
  country: string | null;
  /** The number's country calling code, without "+" ("1", "44", "882"); null if it could not be read. */
  calling_code: string | null;
  /** `sms` or `call`. */
  channel: string;
  /** `sent`, `refused` (Gatehouse's own limits) or `failed` (the provider's answer). */
  outcome: string;
  /** Why it was not sent (`throttled`, `paused`, `country`, or the provider's StartFailure); null when sent. */
  reason: string | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  password_reset_tokens: PasswordResetTokensTable;
  email_confirmation_tokens: EmailConfirmationTokensTable;
  phone_enrollments: PhoneEnrollmentsTable;
  mail_outbox: MailOutboxTable;
  dev_outbox: DevOutboxTable;
  dev_verifications: DevVerificationsTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  security_events: SecurityEventsTable;
  trusted_devices: TrustedDevicesTable;
  wasnt_me_tokens: WasntMeTokensTable;
  email_change_tokens: EmailChangeTokensTable;
  known_browsers: KnownBrowsersTable;
  account_recovery_links: AccountRecoveryLinksTable;
  account_recoveries: AccountRecoveriesTable;
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_used_challenges: WebauthnUsedChallengesTable;
  email_sign_in_codes: EmailSignInCodesTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_apps: OidcAppsTable;
  oidc_signing_keys: OidcSigningKeysTable;
  oidc_app_access: OidcAppAccessTable;
  user_groups: UserGroupsTable;
  admin_audit: AdminAuditTable;
  sms_sends: SmsSendsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type OutboxMail = Selectable<MailOutboxTable>;
export type DevMessage = Selectable<DevOutboxTable>;
export type TotpFactor = Selectable<TotpFactorsTable>;
export type SecurityEvent = Selectable<SecurityEventsTable>;
export type AdminAuditEntry = Selectable<AdminAuditTable>;
export type TrustedDevice = Selectable<TrustedDevicesTable>;
export type AccountRecovery = Selectable<AccountRecoveriesTable>;
export type WebauthnCredential = Selectable<WebauthnCredentialsTable>;
export type OidcApp = Selectable<OidcAppsTable>;
export type OidcSigningKey = Selectable<OidcSigningKeysTable>;
