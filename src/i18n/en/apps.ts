/** English: signing in to other apps with Gatehouse (the OpenID Connect provider, src/oidc). */

export const apps = {
  /** Between a sign-in form and the app: the page goes on by itself (src/oidc/interaction.ts). */
  continuing: {
    title: 'Continuing',
    heading: (app: string) => `Signing you in to ${app}`,
    text: 'This takes a moment. If nothing happens, use the link below.',
    link: (app: string) => `Continue to ${app}`,
  },
  /** An app not registered first-party asks to see the account (src/oidc/interaction.ts). */
  consent: {
    title: 'Allow access?',
    heading: (app: string) => `Allow ${app} to see your account?`,
    /** When the app already has access and asks for more. */
    headingMore: (app: string) => `${app} asks to see more`,
    intro: (app: string, user: string) => `${app} wants to sign you in as ${user}. If you allow it, it will be able to:`,
    introMore: (app: string) => `You already allowed ${app} some access. It now also wants to:`,
    /** What each scope lets the app see, in plain words. */
    scopes: {
      openid: 'Know it is you: an identifier of your Gatehouse account, and when and how you signed in',
      profile: 'See your name, username, profile picture and language',
      email: 'See your email address, and whether you confirmed it',
      groups: 'See the groups you are in',
      offline_access: 'Stay signed in: keep access to the above when you are away, until you remove it',
    },
    notYou: (user: string) => `Not ${user}? Deny, then sign out of Gatehouse.`,
    removeLater: 'You can remove its access at any time on your security page.',
    allow: 'Allow',
    deny: 'Deny',
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
  /**
   * An app asked Gatehouse to sign the person out (RP-initiated logout, src/oidc/logout.ts). `app` is null when the
   * request did not say which app sent it.
   */
  logout: {
    title: 'Sign out',
    heading: 'Sign out of Gatehouse too?',
    text: (app: string | null) =>
      app === null
        ? 'An app asked to sign you out. You can also sign out of Gatehouse and of every app you signed in to with it in this browser.'
        : `${app} asked to sign you out. You can also sign out of Gatehouse and of every app you signed in to with it in this browser.`,
    signOutBoth: (app: string | null) => (app === null ? 'Sign out of Gatehouse' : `Sign out of Gatehouse and ${app}`),
    stay: 'Stay signed in to Gatehouse',
  },
  /** After signing out through an app, when the app gave no address to go back to. */
  signedOut: {
    title: 'Signed out',
    heading: 'You are signed out',
    everywhere: 'You signed out of Gatehouse and of the apps you signed in to with it in this browser.',
    ofApp: (app: string) => `You signed out of ${app}. You are still signed in to Gatehouse.`,
    signInAgain: 'Sign in again',
  },
};
