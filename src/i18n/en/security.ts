/**
 * English: the security page (/security) and what hangs off it — sessions,
 * remembered devices, passkeys, the authenticator app, email codes, recovery
 * codes, the activity log, change of email, account deletion, step-up
 * (/reauthenticate) — and the mails they send.
 */
import type { AppEventKind, SecurityEventKind } from '../../db/security-events.js';
import { html, type SafeHtml } from '../../views/html.js';

/** "Passkey added" → "passkey added" mid-sentence, leaving the rest (a passkey's own name) as its owner wrote it. */
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export const security = {
  /** The security page itself. */
  page: {
    title: 'Security',
    heading: 'Security',
    factors: {
      heading: 'Two-factor sign-in',
      on: 'On: after your password, sign-in asks for one of these.',
      off: 'Off. Add a second step to sign-in so a stolen password is not enough.',
    },
    passkeys: {
      heading: 'Passkeys and security keys',
      none: 'Sign in with your fingerprint, face or screen lock, or a security key. Nothing to type, and a fake site cannot trick it.',
      add: 'Add a passkey',
      /** Badge: the passkey is kept in a password manager or cloud account, so it is on several devices. */
      synced: 'Synced',
      /** Under each passkey: "added 3 days ago · last used 2 hours ago". */
      added: (when: SafeHtml): SafeHtml => html`added ${when}`,
      notUsedYet: 'not used yet',
      lastUsed: (when: SafeHtml): SafeHtml => html`last used ${when}`,
      renameOrRemove: 'Rename or remove',
      newName: 'New name',
      rename: 'Rename',
      remove: (name: string) => `Remove ${name}`,
      addAnother: 'Add another passkey',
    },
    totp: {
      heading: 'Authenticator app',
      on: 'On.',
      remove: 'Remove the authenticator app',
      off: 'Codes from an app such as Google Authenticator, 1Password or Aegis. Works without phone signal.',
      setUp: 'Set up an authenticator app',
    },
    sms: {
      heading: 'Text message or call',
      on: (ending: string) => `On: codes go to your phone ending in ${ending}.`,
      changePhone: 'Change the phone',
      turnOff: 'Turn off text-message codes',
      backupOn: (ending: string) => `Backup phone: ending in ${ending}. If your main phone is lost, sign-in can send the code there.`,
      removeBackup: 'Remove the backup phone',
      backupOff: "No backup phone. A second number (a partner's phone, a work phone) can get the code if your main phone is lost.",
      addBackup: 'Add a backup phone',
      off: 'Codes sent to your phone by SMS or a voice call.',
      setUp: 'Set up text-message codes',
    },
    emailCodes: {
      heading: 'Codes by email (fallback)',
      on: (email: string): SafeHtml => html`On: when you cannot use your other factors, "Try another way" at sign-in can email a code to ${email}.`,
      turnOff: 'Turn off email codes',
      off: 'Off. You can let sign-in email you a code when you cannot use your other factors. Your mailbox can already reset your password, so turn this on only if your email account is well protected.',
      turnOn: 'Turn on email codes',
    },
    recoveryCodes: {
      heading: 'Recovery codes',
      /** At or under RECOVERY_CODES_LOW left. */
      low: (left: number) =>
        `You have ${left} recovery code${left === 1 ? '' : 's'} left. Make a new set so you can still get in if you lose your phone.`,
      left: (left: number) => `You have ${left} unused recovery codes. Each one signs you in once if you lose your phone.`,
      makeNew: 'Make new recovery codes',
      makingNewHint: 'Making new codes stops the old ones from working.',
    },
    sessions: {
      heading: html`Where you're signed in`,
      thisDevice: 'This device',
      /** In place of an IP address the session did not record. */
      unknownAddress: 'unknown address',
      /** "192.0.2.7 · active 3 minutes ago · signed in 2 days ago" */
      details: (address: string, active: SafeHtml, signedIn: SafeHtml): SafeHtml => html`${address} · active ${active} · signed in ${signedIn}`,
      signOut: 'Sign out',
      signOutOthers: 'Sign out everywhere else',
    },
    devices: {
      heading: 'Remembered devices',
      none: html`None. When you tick "Remember this device for 30 days" at sign-in, that browser skips the code (never the password).`,
      intro: 'These browsers skip the second step of sign-in (never the password) until the date shown.',
      /** "192.0.2.7 · last used 1 hour ago · remembered 3 days ago · until 2026-12-25 09:00 UTC" */
      details: (address: string, lastUsed: SafeHtml, remembered: SafeHtml, until: string): SafeHtml =>
        html`${address} · last used ${lastUsed} · remembered ${remembered} · until ${until}`,
      forget: 'Forget',
      forgetAll: 'Forget all devices',
    },
    /** The apps that sign the person in with Gatehouse (OpenID Connect) and what they may see. */
    apps: {
      heading: 'Apps with access',
      none: 'No app signs you in with Gatehouse yet. When you allow one, it is listed here.',
      intro: 'These apps sign you in with your Gatehouse account and can see what you allowed. Removing access signs the app out of your account: it has to ask you again.',
      /** "last signed you in 1 hour ago · allowed 3 days ago" */
      details: (lastSignIn: SafeHtml, allowed: SafeHtml): SafeHtml => html`last signed you in ${lastSignIn} · allowed ${allowed}`,
      removedApp: 'An app that was removed',
      remove: 'Remove access',
      /** After "Remove access", hidden but read by screen readers: which app the button is for. */
      removeFor: (app: string) => ` for ${app}`,
    },
    activity: {
      heading: 'Recent security activity',
      none: 'Nothing in the last 90 days.',
      what: 'What',
      when: 'When',
      from: 'From',
    },
    email: {
      heading: 'Email address',
      change: 'Change',
    },
    deleteAccount: {
      heading: 'Delete account',
      /** `link` is the words of `link`, linked to the deletion page. */
      text: (link: SafeHtml): SafeHtml => html`${link} and everything in it.`,
      link: 'Delete your account',
    },
  },

  /** The activity log's words for each kind of security event (also the operator CLI's, in English). */
  events: {
    sign_in: 'Signed in',
    sign_in_failed: 'Wrong password at sign-in',
    code_failed: 'Wrong second-factor code at sign-in',
    password_changed: 'Password changed',
    password_reset: 'Password reset by email',
    sms_enabled: 'Text-message codes turned on',
    sms_disabled: 'Text-message codes turned off',
    totp_enabled: 'Authenticator app added',
    totp_disabled: 'Authenticator app removed',
    recovery_codes_generated: 'New recovery codes made',
    recovery_code_used: 'Signed in with a recovery code',
    factors_reset_by_admin: 'Second factors removed by an administrator',
    sign_in_trusted_device: 'Signed in on a remembered device',
    trusted_device_added: 'Device remembered for 30 days',
    trusted_devices_forgotten: 'Remembered devices forgotten',
    sessions_ended: 'Other sessions signed out',
    email_change_requested: 'Change of email address asked for',
    email_changed: 'Email address changed',
    new_browser_sign_in: 'Signed in from a new browser (you were told by email)',
    wasnt_me: '"This wasn\'t me" reported: signed out everywhere, password reset sent',
    recovery_requested: 'Account recovery asked for: a link was emailed to you',
    recovery_started: 'Account recovery started: second factors to be removed after the wait',
    recovery_cancelled: 'Account recovery cancelled',
    recovery_completed: 'Account recovery completed: second factors removed',
    passkey_added: 'Passkey added',
    passkey_removed: 'Passkey removed',
    sign_in_passkey: 'Signed in with a passkey (no password)',
    sign_in_email_code: 'Signed in with a code sent by email',
    email_codes_enabled: 'Email codes turned on (fallback)',
    email_codes_disabled: 'Email codes turned off',
    backup_phone_added: 'Backup phone added',
    backup_phone_removed: 'Backup phone removed',
    oidc_first_sign_in: 'An app signed you in with Gatehouse for the first time',
    oidc_consent: 'You allowed an app to see your account',
    oidc_access_removed: 'You removed an app’s access to your account',
    lockout_cleared_by_admin: 'Sign-in lockout cleared by an administrator',
    sessions_ended_by_admin: 'Signed out everywhere by an administrator',
    reset_link_sent_by_admin: 'Password-reset link sent by an administrator',
    confirmation_resent_by_admin: 'Email confirmation sent again by an administrator',
    group_added_by_admin: 'Added to a group by an administrator',
    group_removed_by_admin: 'Removed from a group by an administrator',
    account_suspended_by_admin: 'Account suspended by an administrator: signed out everywhere',
    account_reactivated_by_admin: 'Account reactivated by an administrator',
    sign_in_locked: 'Sign-in paused after too many wrong tries (you were told by email)',
  } satisfies Record<SecurityEventKind, string>,

  /**
   * An app event that names its app (`security_events.client_id`, since migration 019; `events` above words the
   * older ones). `app`: the app's name now, or null when the app was removed since.
   */
  appEvents: {
    oidc_first_sign_in: (app: string | null) => `${app ?? 'An app that was removed'} signed you in with Gatehouse for the first time`,
    oidc_consent: (app: string | null) => `You allowed ${app ?? 'an app that was removed'} to sign you in and see your account`,
    oidc_access_removed: (app: string | null) => `You removed access to your account for ${app ?? 'an app that was removed'}`,
  } satisfies Record<AppEventKind, (app: string | null) => string>,

  /** The flashes of the security page's actions. */
  flash: {
    totpOn: 'Your authenticator app is set up. Sign-in will ask for its code.',
    totpOff: 'The authenticator app was removed.',
    totpAlreadyOn: 'An authenticator app is already set up. Remove it first to set up another.',
    noFactor: 'Recovery codes come with two-factor sign-in: set up a second factor first.',
    sessionEnded: 'That session is signed out.',
    othersEnded: 'You are signed out everywhere else.',
    deviceForgotten: 'That device will ask for a code at its next sign-in.',
    devicesForgotten: 'Every remembered device will ask for a code at its next sign-in.',
    appRemoved: (app: string) => `${app} no longer has access to your account. It will ask you again if you sign in to it.`,
    emailLinkSent: (masked: string) => `We sent a link to ${masked}. Your address changes when you open it.`,
    emailChanged: 'Your email address has been changed.',
    emailTakenMeanwhile: 'That address is now used by another account, so your email address was not changed.',
    deleted: 'Your account has been deleted. We sent a confirmation to your email address.',
    /** On the recovery codes page after "Make new recovery codes". */
    newRecoveryCodes: 'Your new recovery codes are ready. The old ones no longer work.',
  },

  /** Step-up (/reauthenticate): a recent password check before a sensitive change. */
  reauthenticate: {
    title: "Confirm it's you",
    heading: html`Confirm it's you`,
    intro: 'For your security, enter your password again to continue.',
    password: 'Password',
    continue: 'Continue',
  },

  /** Setting up an authenticator app (/two-factor/app/enable). */
  totpEnroll: {
    title: 'Set up an authenticator app',
    scan: 'Scan this code with your authenticator app:',
    /** The QR code's accessible name. */
    qrLabel: 'QR code to add Gatehouse to your authenticator app',
    cantScan: html`Can't scan it? Enter this key in the app instead (time-based, 6 digits):`,
    typeCode: 'Type the 6-digit code the app now shows for Gatehouse:',
    turnOn: 'Turn on',
    cancel: 'Cancel',
    wrongCode: 'That code is not right. Check the app shows Gatehouse, wait for a new code and try again.',
  },

  /** Adding a passkey (/security/passkeys/add), renaming and removing one. */
  passkeys: {
    title: 'Add a passkey',
    intro: 'A passkey signs you in with your fingerprint, face or screen lock, or with a security key you plug in. It only works on this site, so a fake site cannot trick it.',
    button: 'Create a passkey',
    nameLabel: 'Name it',
    nameHint: 'So you can tell your passkeys apart, like "Phone" or "YubiKey".',
    back: 'Back to security',
    added: 'Your passkey is added. Sign-in will offer it.',
    noAnswer: 'Your browser did not send a passkey. Passkeys need JavaScript: turn it on, or use another browser.',
    notAccepted: 'That passkey could not be added: the prompt may have timed out. Try again.',
    duplicate: 'That passkey or security key is already on an account.',
    renamed: 'The passkey is renamed.',
    removed: 'The passkey was removed.',
    nameRequired: (max: number) => `Give it a name of up to ${max} characters, like "Phone" or "YubiKey".`,
  },

  /** Email codes, the fallback factor, turned on or off on the security page. */
  emailCodes: {
    on: 'Email codes are on. When you cannot use your other factors, "Try another way" at sign-in can email you a code.',
    off: 'Email codes are off.',
    needsFactor: 'Email codes are a fallback: set up a passkey, an authenticator app or text-message codes first.',
  },

  /** Change of email address (/security/email) and its confirmation link (/confirm-email-change/…). */
  changeEmail: {
    title: 'Change your email address',
    current: (current: string): SafeHtml => html`Your address is now <strong>${current}</strong>. We send a link to the new address; nothing changes until you open it.
We also tell the current address.`,
    newEmail: 'New email address',
    send: 'Send the link',
    cancel: 'Cancel',
    same: 'That is already your email address.',
    confirmTitle: 'Use this email address?',
    confirmText: (newEmail: string): SafeHtml => html`Your Gatehouse account will use <strong>${newEmail}</strong> from now on.`,
    confirm: 'Use this address',
    expiredTitle: 'Link expired',
    expiredHeading: 'This link has expired',
    /** `securityPage` is the link to the security page, its words `securityPageLink`. */
    expiredText: (securityPage: SafeHtml): SafeHtml =>
      html`It was used already, replaced by a newer one, or is more than a day old. Ask for a new one on the ${securityPage}.`,
    securityPageLink: 'security page',
  },

  /** Account deletion (/security/delete). */
  deleteAccount: {
    title: 'Delete your account',
    explain: (username: string): SafeHtml => html`This deletes the account <strong>${username}</strong> at once, with its profile, sign-in factors, recovery codes,
remembered devices and security activity. It cannot be undone. We send a confirmation to your email address.`,
    confirmLabel: 'Type your username to confirm',
    button: 'Delete my account',
    cancel: 'Cancel',
    mismatch: 'That is not your username. Type it exactly to confirm.',
  },

  /** What the security notices call each change of a second factor: subject, heading and (lower-cased) in the text. */
  factorChange: {
    totpAdded: 'An authenticator app was added',
    totpRemoved: 'The authenticator app was removed',
    passkeyAdded: (name: string) => `A passkey was added ("${name}")`,
    passkeyRemoved: (name: string) => `A passkey was removed ("${name}")`,
    emailCodesOn: 'Email codes were turned on',
    emailCodesOff: 'Email codes were turned off',
  },

  mail: {
    accountDeleted: {
      subject: 'Your Gatehouse account was deleted',
      heading: 'Your account was deleted',
      what: (username: string, at: string) =>
        `The Gatehouse account ${username} was deleted on ${at}, together with its sign-in factors, recovery codes, remembered devices and security activity.`,
      ifNotYou: 'If you did not do this, someone had your password and a recent sign-in: please contact the people who run this Gatehouse.',
    },
    /** Sent to the new address, with the link that makes the change. */
    confirmNewEmail: {
      subject: 'Confirm your new Gatehouse email address',
      heading: 'Confirm your new email address',
      what: 'You asked to use this address for your Gatehouse account. Nothing changes until you confirm it; the link works for 24 hours.',
      ifNotYou: 'If you did not ask for this, ignore this email.',
      action: 'Use this email address',
      /** Sent instead when the link could not be delivered before it expired (a mail outage). */
      expired: {
        subject: 'Your link to confirm a new Gatehouse email address expired',
        heading: 'Your confirmation link expired',
        what:
          'You asked to use this address for your Gatehouse account, but we could not deliver the link to confirm it within the 24 hours it works, ' +
          'so it is not in this email. Nothing has changed.',
        askAgain: 'To try again, sign in and change your email address on your security page. If you did not ask for this, ignore this email.',
        action: 'Open my security page',
      },
    },
    /** Sent to the current address when a change is asked for. */
    emailChangeRequested: {
      subject: 'A change of your Gatehouse email address was asked for',
      heading: 'A change of your email address was asked for',
      what: (at: string, newAddress: string) =>
        `On ${at}, someone signed in to your account asked to change its email address to ${newAddress}. It changes only if the link we sent there is opened.`,
      ifYou: 'If this was you, there is nothing to do.',
    },
    /** Sent to the old address once the change is made. */
    emailChanged: {
      subject: 'Your Gatehouse email address was changed',
      heading: 'Your email address was changed',
      what: (at: string, newAddress: string) =>
        `On ${at}, the email address of your Gatehouse account was changed to ${newAddress}. Mail about the account now goes there.`,
      ifNotYou: `If this was not you, "This wasn't me" above puts this address back, signs the account out everywhere and sends you a link to choose a new password.`,
    },
    /** A second factor was added or removed; `change` is one of `factorChange`. */
    factorChanged: {
      subject: (change: string) => `Gatehouse security notice: ${change}`,
      what: (at: string, change: string) => `On ${at}, this change was made to the two-factor sign-in of your Gatehouse account: ${lowerFirst(change)}.`,
      ifYou: 'If this was you, there is nothing to do.',
    },
  },
};
