/** English: signing in to other apps with Gatehouse (the OpenID Connect provider, src/oidc). */

export const apps = {
  /** Between a sign-in form and the app: the page goes on by itself (src/oidc/interaction.ts). */
  continuing: {
    title: 'Continuing',
    heading: (app: string) => `Signing you in to ${app}`,
    text: 'This takes a moment. If nothing happens, use the link below.',
    link: (app: string) => `Continue to ${app}`,
  },
  /** The sign-in request an app started is gone (too old, already finished, or from another browser). */
  expired: {
    title: 'Sign-in request expired',
    heading: 'This sign-in request has expired',
    text: 'It is too old, or it was already used. Go back to the app and sign in again.',
  },
  /** An app sent a request Gatehouse refuses before it can send the person back (an unknown app, a wrong return address). */
  refused: {
    title: 'Sign-in request refused',
    heading: 'Gatehouse cannot accept this sign-in request',
    text: 'The app that sent you here asked for something Gatehouse does not allow, so nothing was shared with it. If you look after that app, the details below say what to fix.',
    details: 'Details for the app’s developer',
  },
};
