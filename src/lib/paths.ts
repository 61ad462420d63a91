/**
 * Every path Gatehouse serves and links to, in one place (issue #15): route registrations, redirects, the links
 * and form actions in views and the links in mails (`appUrl` + path) all name them from here. Imports nothing of
 * the app, so any layer may use it. Not here: the OIDC provider's own routes under `/oidc` (the library's),
 * static files (`/static/…`, `/vendor/…`) and public/js. The tests keep asserting the literal URLs.
 *
 * The mailed links carry a token after the path (`/reset-password/<token>`, …): redactUrl in src/app.ts names
 * those paths in its pattern to keep tokens out of the logs, so a change to one of them changes it there too.
 */

// Home, sign-in and sign-up
export const HOME_PATH = '/';
export const LOGIN_PATH = '/login';
export const LOGOUT_PATH = '/logout';
export const REGISTER_PATH = '/register';
/** The language switcher's form. */
export const LANGUAGE_PATH = '/language';
/** Sign-in with a passkey instead of a password. */
export const PASSKEY_SIGN_IN_PATH = '/login/passkey';
/** The second step of sign-in (a code by SMS); its other ways are in SIGN_IN_WAY_PATHS. */
export const TWO_FACTOR_SIGN_IN_PATH = '/login/two-factor';
/** The second step of sign-in, one page per way of proving it. */
export const SIGN_IN_WAY_PATHS = {
  sms: TWO_FACTOR_SIGN_IN_PATH,
  totp: `${TWO_FACTOR_SIGN_IN_PATH}/app`,
  passkey: `${TWO_FACTOR_SIGN_IN_PATH}/passkey`,
  backupPhone: `${TWO_FACTOR_SIGN_IN_PATH}/backup-phone`,
  email: `${TWO_FACTOR_SIGN_IN_PATH}/email`,
  recovery: `${TWO_FACTOR_SIGN_IN_PATH}/recovery`,
} as const;

// Password reset, "wasn't me", account recovery
/** "Forgot your password?": asks for the address; the mailed link is `/reset-password/<token>`. */
export const RESET_PASSWORD_PATH = '/reset-password';
/** Where a followed reset link lands to choose the new password. */
export const NEW_PASSWORD_PATH = '/reset-password/new';
/** A notice's "this wasn't me" link: `/wasnt-me/<token>`. */
export const WASNT_ME_PATH = '/wasnt-me';
/** The page, reached from the second step of sign-in, that explains the recovery and mails the link. */
export const RECOVER_PATH = '/login/recover';
/** The mailed link that starts a recovery: `/recover/<token>`. */
export const RECOVERY_LINK_PATH = '/recover';
/** The mailed link that cancels one: `/recover/cancel/<token>`. */
export const RECOVERY_CANCEL_PATH = '/recover/cancel';

// Email confirmation
/** The mailed confirmation link: `/confirm-email/<token>`. */
export const CONFIRM_EMAIL_PATH = '/confirm-email';
/** Mail the confirmation link again. */
export const CONFIRM_EMAIL_RESEND_PATH = `${CONFIRM_EMAIL_PATH}/resend`;
/** The link mailed to a new address: `/confirm-email-change/<token>`. */
export const CONFIRM_EMAIL_CHANGE_PATH = '/confirm-email-change';

// Profile
/** Someone's public profile. */
export const profilePath = (username: string): string => `/user/${encodeURIComponent(username)}`;
/** The route that serves profilePath. */
export const PROFILE_ROUTE = '/user/:username';
export const EDIT_PROFILE_PATH = '/profile/edit';
export const CHANGE_PASSWORD_PATH = '/profile/password';

// The security page and what it posts to
export const SECURITY_PATH = '/security';
/** Confirm the password again before a sensitive change (step-up). */
export const REAUTHENTICATE_PATH = '/reauthenticate';
export const CHANGE_EMAIL_PATH = '/security/email';
export const DELETE_ACCOUNT_PATH = '/security/delete';
/** Make a new set of recovery codes. */
export const NEW_RECOVERY_CODES_PATH = '/security/recovery-codes';
/** The security page's Cancel button for a recovery under way. */
export const SECURITY_CANCEL_RECOVERY_PATH = '/security/recovery/cancel';
/** Sign out one session. */
export const END_SESSION_PATH = '/security/sessions/end';
export const END_OTHER_SESSIONS_PATH = '/security/sessions/end-others';
/** Forget one trusted ("remember this device") device. */
export const FORGET_DEVICE_PATH = '/security/devices/forget';
export const FORGET_ALL_DEVICES_PATH = '/security/devices/forget-all';
/** Take an OIDC app's access away. */
export const REMOVE_APP_ACCESS_PATH = '/security/apps/remove';
export const PASSKEY_ADD_PATH = '/security/passkeys/add';
export const PASSKEY_RENAME_PATH = '/security/passkeys/rename';
export const PASSKEY_REMOVE_PATH = '/security/passkeys/remove';
/** Codes by email as a second factor, on and off. */
export const EMAIL_CODES_ENABLE_PATH = '/security/email-codes/enable';
export const EMAIL_CODES_DISABLE_PATH = '/security/email-codes/disable';

// Second factors: set-up
/** The authenticator app's set-up pages (a prefix). */
export const TOTP_SET_UP_PATH = '/two-factor/app';
export const TOTP_ENABLE_PATH = `${TOTP_SET_UP_PATH}/enable`;
export const TOTP_DISABLE_PATH = `${TOTP_SET_UP_PATH}/disable`;
/** The SMS set-up pages (a prefix). */
export const SMS_SET_UP_PATH = '/two-factor/sms';
/** Set up (or change) the phone; `?backup=1` for a backup phone. */
export const SMS_ENABLE_PATH = `${SMS_SET_UP_PATH}/enable`;
/** Enter the code sent to the phone being set up. */
export const SMS_CONFIRM_PATH = `${SMS_SET_UP_PATH}/confirm`;
export const SMS_RESEND_PATH = `${SMS_SET_UP_PATH}/resend`;
export const SMS_BACKUP_REMOVE_PATH = `${SMS_SET_UP_PATH}/backup/remove`;
/** Turn SMS codes off. */
export const SMS_DISABLE_PATH = '/two-factor/disable';

// The admin console
export const CONSOLE_PATH = '/admin';
export const CONSOLE_PEOPLE_PATH = `${CONSOLE_PATH}/people`;
/** One person in the console. */
export const consolePersonPath = (id: number | string): string => `${CONSOLE_PEOPLE_PATH}/${id}`;
export const CONSOLE_APPS_PATH = `${CONSOLE_PATH}/apps`;
export const CONSOLE_NEW_APP_PATH = `${CONSOLE_APPS_PATH}/new`;
/** One OIDC app in the console. */
export const consoleAppPath = (clientId: string): string => `${CONSOLE_APPS_PATH}/${encodeURIComponent(clientId)}`;
export const CONSOLE_AUDIT_PATH = `${CONSOLE_PATH}/audit`;
/** The outgoing mail queue. */
export const CONSOLE_MAIL_PATH = `${CONSOLE_PATH}/mail`;
/** The SMS guard's state. */
export const CONSOLE_SMS_PATH = `${CONSOLE_PATH}/sms`;

// Development only
/** Mails not sent but kept, when there is no SMTP (development). */
export const DEV_OUTBOX_PATH = '/dev/outbox';

// The identity provider
/** Where the OpenID Connect library answers (src/oidc/mount.ts): the issuer is APP_URL + this. */
export const OIDC_MOUNT_PATH = '/oidc';
// Its pages of Gatehouse's own (not the library's `/oidc/…`)
/** Sign-in and consent for an app: `/interaction/<uid>`. */
export const INTERACTION_PATH = '/interaction';

// Forward-auth (reverse proxies)
/** Traefik's forwardAuth, Caddy's forward_auth. */
export const FORWARD_AUTH_PATH = '/api/authz/forward-auth';
/** nginx's auth_request. */
export const AUTH_REQUEST_PATH = '/api/authz/auth-request';
/** Where a sign-in asked for by forward-auth ends: `?rd=` back to the app. */
export const FORWARD_AUTH_RETURN_PATH = '/authz/return';

// Operations
export const HEALTHZ_PATH = '/healthz';
export const READYZ_PATH = '/readyz';
export const METRICS_PATH = '/metrics';
