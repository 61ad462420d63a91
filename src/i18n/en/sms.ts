/**
 * English: text-message codes as a second factor — turning them on (the phone
 * page, the confirm-the-code page), a backup phone, changing the phone,
 * turning them off, and the security notices mailed about each.
 */

export const sms = {
  /** The phone page (/two-factor/sms/enable): turn on, change the phone, or add a backup phone. */
  enable: {
    title: 'Two-factor authentication',
    backupTitle: 'Add a backup phone',
    heading: 'Turn on two-factor authentication',
    changeHeading: 'Change your two-factor phone',
    backupHeading: 'Add a backup phone',
    intro: 'Each time you sign in, after your password we will send a 6-digit code to your phone. Someone who learns your password still cannot get in.',
    changeIntro: 'Sign-in codes will go to the new number once you type the code we send to it.',
    backupIntro: 'If your main phone is lost or out of signal, sign-in can send the code to this number instead. It works once you type the code we send to it.',
    phoneLabel: 'Mobile phone number',
    changePhoneLabel: 'New mobile phone number',
    backupPhoneLabel: 'Backup phone number',
    phoneHint: 'With its country code, for example +44 7400 123456.',
    /** The country picker's button, after its dial code and country ("+1 United States: …"). */
    changeCountry: 'change the country of the phone number',
    currentPassword: 'Current password',
    currentPasswordHint: 'To make sure it is you.',
    textMe: 'Text me a code',
    notNow: 'Not now',
    keepCurrentPhone: 'Keep my current phone',
    alreadyYourPhone: 'That is already your two-factor phone.',
    alreadyYourBackup: 'That is already your backup phone.',
    /** Flash: a backup phone was asked for while text-message codes are off. */
    needsMainPhone: 'A backup phone comes with text-message codes: turn those on first.',
  },
  /** The confirm-the-code page (/two-factor/sms/confirm); `masked` is "+1 ••• 4567". */
  confirm: {
    title: 'Confirm your phone',
    introEnable: (masked: string) => `We sent a 6-digit code to ${masked}. Type it here to turn on two-factor authentication.`,
    introChange: (masked: string) => `We sent a 6-digit code to ${masked}. Type it here to use this phone for sign-in codes.`,
    introBackup: (masked: string) => `We sent a 6-digit code to ${masked}. Type it here to use it as your backup phone.`,
    differentNumber: 'Use a different number',
    /** Flashes that send the user back to the phone page. */
    expired: 'That code request has expired. Enter your number again.',
    tooManyWrong: 'Too many wrong codes. Enter your number again to get a new code.',
  },
  /** What a confirmed code did: a flash, or the lead of the recovery-codes page for a first factor. */
  done: {
    enabled: 'Two-factor authentication is on. From now on, sign-in asks for a code sent to your phone.',
    changed: 'Your two-factor phone has been changed.',
    backupAdded: 'Your backup phone is added. Sign-in can send codes there if your main phone is lost.',
    backupRemoved: 'The backup phone was removed.',
    disabled: 'Two-factor authentication is off.',
  },
  /** The turn-off page (/two-factor/disable). */
  disable: {
    title: 'Turn off two-factor authentication',
    heading: 'Turn off two-factor authentication',
    intro: 'Without it, your password alone will let anyone into your account. To confirm, enter your password.',
    currentPassword: 'Current password',
    submit: 'Turn off two-factor authentication',
    keepOn: 'Keep it on',
  },
  /** Security notices to the account's owner; `at` is an exact time, `masked` a masked number. */
  mail: {
    enabled: {
      subject: 'Two-factor authentication is on',
      heading: 'Two-factor authentication is on',
      what: (at: string, masked: string) => `On ${at}, two-factor authentication was turned on for your Gatehouse account. Sign-in codes go to ${masked}.`,
    },
    phoneChanged: {
      subject: 'Your two-factor phone number was changed',
      heading: 'Your two-factor phone number was changed',
      what: (at: string, masked: string) => `On ${at}, the phone that receives your Gatehouse sign-in codes was changed to ${masked}.`,
    },
    disabled: {
      subject: 'Two-factor authentication was turned off',
      heading: 'Two-factor authentication was turned off',
      what: (at: string) => `On ${at}, two-factor authentication was turned off for your Gatehouse account. Your password alone now signs you in.`,
    },
    backupAdded: {
      subject: 'Gatehouse security notice: a backup phone was added',
      heading: 'A backup phone was added',
      what: (at: string, masked: string) => `On ${at}, ${masked} was added to your Gatehouse account as a backup phone: sign-in codes can be sent there too.`,
    },
    backupRemoved: {
      subject: 'Gatehouse security notice: your backup phone was removed',
      heading: 'Your backup phone was removed',
      what: (at: string) => `On ${at}, the backup phone was removed from your Gatehouse account. Sign-in codes go only to your main phone.`,
    },
  },
};
