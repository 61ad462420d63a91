/** English: what a reverse proxy shows from Gatehouse's forward-auth (src/forward-auth/routes.ts), as plain text. */

export const forwardAuth = {
  /** A 403: signed in, but the access rules do not let this account (or anyone) reach the page. */
  forbidden: 'You do not have access to this page. If you think you should, ask the people who run it.',
};
