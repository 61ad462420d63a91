/**
 * Español: la página de seguridad (/security) y lo que cuelga de ella (sessions,
 * remembered devices, passkeys, authenticator app, email codes, recovery codes,
 * activity log, change of email, account deletion, step-up) y sus correos.
 */
import { html, type SafeHtml } from '../../views/html.js';
import type { Messages } from '../messages.js';

/** "Se añadió…" → "se añadió…" in the middle of a sentence; the rest (a passkey's name) as it is. */
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

export const security: Messages['security'] = {
  page: {
    title: 'Seguridad',
    heading: 'Seguridad',
    factors: {
      heading: 'Verificación en dos pasos',
      on: 'Activada: después de tu contraseña, el inicio de sesión te pide uno de estos.',
      off: 'Desactivada. Añade un segundo paso al inicio de sesión para que una contraseña robada no baste.',
    },
    passkeys: {
      heading: 'Llaves de acceso y llaves de seguridad',
      none: 'Inicia sesión con tu huella, tu cara o el bloqueo de pantalla, o con una llave de seguridad. No hay nada que escribir, y un sitio falso no puede engañarla.',
      add: 'Añadir una llave de acceso',
      synced: 'Sincronizada',
      added: (when: SafeHtml) => html`añadida ${when}`,
      notUsedYet: 'sin usar todavía',
      lastUsed: (when: SafeHtml) => html`usada por última vez ${when}`,
      renameOrRemove: 'Cambiar el nombre o quitar',
      newName: 'Nombre nuevo',
      rename: 'Cambiar el nombre',
      remove: (name: string) => `Quitar ${name}`,
      addAnother: 'Añadir otra llave de acceso',
    },
    totp: {
      heading: 'Aplicación de autenticación',
      on: 'Activada.',
      remove: 'Quitar la aplicación de autenticación',
      off: 'Códigos de una aplicación como Google Authenticator, 1Password o Aegis. Funciona sin cobertura móvil.',
      setUp: 'Configurar una aplicación de autenticación',
    },
    sms: {
      heading: 'Mensaje de texto o llamada',
      on: (ending: string) => `Activados: los códigos van a tu teléfono terminado en ${ending}.`,
      changePhone: 'Cambiar el teléfono',
      turnOff: 'Desactivar los códigos por mensaje de texto',
      backupOn: (ending: string) =>
        `Teléfono de respaldo: terminado en ${ending}. Si pierdes tu teléfono principal, el inicio de sesión puede enviar el código allí.`,
      removeBackup: 'Quitar el teléfono de respaldo',
      backupOff:
        'No hay teléfono de respaldo. Un segundo número (el teléfono de tu pareja, un teléfono del trabajo) puede recibir el código si pierdes tu teléfono principal.',
      addBackup: 'Añadir un teléfono de respaldo',
      off: 'Códigos enviados a tu teléfono por SMS o por llamada.',
      setUp: 'Configurar los códigos por mensaje de texto',
    },
    emailCodes: {
      heading: 'Códigos por correo (alternativa)',
      on: (email: string) =>
        html`Activados: cuando no puedas usar tus otros factores, "Probar de otra forma" al iniciar sesión puede enviar un código por correo a ${email}.`,
      turnOff: 'Desactivar los códigos por correo',
      off: 'Desactivados. Puedes permitir que el inicio de sesión te envíe un código por correo cuando no puedas usar tus otros factores. Tu buzón ya puede restablecer tu contraseña, así que actívalo solo si tu cuenta de correo está bien protegida.',
      turnOn: 'Activar los códigos por correo',
    },
    recoveryCodes: {
      heading: 'Códigos de recuperación',
      low: (left: number) =>
        `Te ${left === 1 ? 'queda 1 código' : `quedan ${left} códigos`} de recuperación. Crea un juego nuevo para poder entrar aunque pierdas el teléfono.`,
      left: (left: number) => `Tienes ${left} códigos de recuperación sin usar. Cada uno te permite iniciar sesión una vez si pierdes el teléfono.`,
      makeNew: 'Crear códigos de recuperación nuevos',
      makingNewHint: 'Al crear códigos nuevos, los anteriores dejan de funcionar.',
    },
    sessions: {
      heading: html`Dónde tienes la sesión iniciada`,
      thisDevice: 'Este dispositivo',
      unknownAddress: 'dirección desconocida',
      details: (address: string, active: SafeHtml, signedIn: SafeHtml) => html`${address} · activa ${active} · sesión iniciada ${signedIn}`,
      signOut: 'Cerrar sesión',
      signOutOthers: 'Cerrar las demás sesiones',
    },
    devices: {
      heading: 'Dispositivos recordados',
      none: html`Ninguno. Cuando marcas "Recordar este dispositivo durante 30 días" al iniciar sesión, ese navegador se salta el código (nunca la contraseña).`,
      intro: 'Estos navegadores se saltan el segundo paso del inicio de sesión (nunca la contraseña) hasta la fecha indicada.',
      details: (address: string, lastUsed: SafeHtml, remembered: SafeHtml, until: string) =>
        html`${address} · usado por última vez ${lastUsed} · recordado ${remembered} · hasta el ${until}`,
      forget: 'Olvidar',
      forgetAll: 'Olvidar todos los dispositivos',
    },
    apps: {
      heading: 'Aplicaciones con acceso',
      none: 'Todavía ninguna aplicación inicia tu sesión con Gatehouse. Cuando permitas una, aparecerá aquí.',
      intro: 'Estas aplicaciones inician tu sesión con tu cuenta de Gatehouse y pueden ver lo que permitiste. Quitar el acceso cierra la sesión de la aplicación en tu cuenta: tendrá que pedírtelo de nuevo.',
      details: (lastSignIn: SafeHtml, allowed: SafeHtml): SafeHtml => html`último inicio de sesión ${lastSignIn} · permitida ${allowed}`,
      removedApp: 'Una aplicación que se eliminó',
      remove: 'Quitar el acceso',
      removeFor: (app: string) => ` a ${app}`,
    },
    activity: {
      heading: 'Actividad de seguridad reciente',
      none: 'Nada en los últimos 90 días.',
      what: 'Qué',
      when: 'Cuándo',
      from: 'Origen',
    },
    email: {
      heading: 'Correo electrónico',
      change: 'Cambiar',
    },
    deleteAccount: {
      heading: 'Eliminar la cuenta',
      text: (link: SafeHtml) => html`${link} y todo lo que contiene.`,
      link: 'Eliminar tu cuenta',
    },
  },

  events: {
    sign_in: 'Inicio de sesión',
    sign_in_failed: 'Contraseña incorrecta al iniciar sesión',
    code_failed: 'Código de segundo factor incorrecto al iniciar sesión',
    password_changed: 'Contraseña cambiada',
    password_reset: 'Contraseña restablecida por correo',
    sms_enabled: 'Códigos por mensaje de texto activados',
    sms_disabled: 'Códigos por mensaje de texto desactivados',
    totp_enabled: 'Aplicación de autenticación añadida',
    totp_disabled: 'Aplicación de autenticación quitada',
    recovery_codes_generated: 'Códigos de recuperación nuevos creados',
    recovery_code_used: 'Inicio de sesión con un código de recuperación',
    factors_reset_by_admin: 'Segundos factores quitados por un administrador',
    sign_in_trusted_device: 'Inicio de sesión en un dispositivo recordado',
    trusted_device_added: 'Dispositivo recordado durante 30 días',
    trusted_devices_forgotten: 'Dispositivos recordados olvidados',
    sessions_ended: 'Otras sesiones cerradas',
    email_change_requested: 'Cambio de correo electrónico solicitado',
    email_changed: 'Correo electrónico cambiado',
    new_browser_sign_in: 'Inicio de sesión desde un navegador nuevo (te avisamos por correo)',
    wasnt_me: 'Aviso de "No fui yo": sesiones cerradas en todas partes y restablecimiento de contraseña enviado',
    recovery_requested: 'Recuperación de la cuenta solicitada: te enviamos un enlace por correo',
    recovery_started: 'Recuperación de la cuenta iniciada: los segundos factores se quitarán tras la espera',
    recovery_cancelled: 'Recuperación de la cuenta cancelada',
    recovery_completed: 'Recuperación de la cuenta completada: segundos factores quitados',
    passkey_added: 'Llave de acceso añadida',
    passkey_removed: 'Llave de acceso quitada',
    sign_in_passkey: 'Inicio de sesión con una llave de acceso (sin contraseña)',
    sign_in_email_code: 'Inicio de sesión con un código enviado por correo',
    email_codes_enabled: 'Códigos por correo activados (alternativa)',
    email_codes_disabled: 'Códigos por correo desactivados',
    backup_phone_added: 'Teléfono de respaldo añadido',
    backup_phone_removed: 'Teléfono de respaldo quitado',
    oidc_first_sign_in: 'Una aplicación inició tu sesión con Gatehouse por primera vez',
    oidc_consent: 'Permitiste que una aplicación vea tu cuenta',
    oidc_access_removed: 'Quitaste el acceso de una aplicación a tu cuenta',
    lockout_cleared_by_admin: 'Bloqueo de inicio de sesión quitado por un administrador',
    sessions_ended_by_admin: 'Sesiones cerradas en todas partes por un administrador',
    reset_link_sent_by_admin: 'Enlace para restablecer la contraseña enviado por un administrador',
    confirmation_resent_by_admin: 'Confirmación del correo enviada de nuevo por un administrador',
    group_added_by_admin: 'Añadido a un grupo por un administrador',
    group_removed_by_admin: 'Quitado de un grupo por un administrador',
    account_suspended_by_admin: 'Cuenta suspendida por un administrador: sesiones cerradas en todas partes',
    account_reactivated_by_admin: 'Cuenta reactivada por un administrador',
    sign_in_locked: 'Inicio de sesión en pausa tras demasiados intentos fallidos (te avisamos por correo)',
  },

  appEvents: {
    oidc_first_sign_in: (app) => `${app ?? 'Una aplicación que se eliminó'} inició tu sesión con Gatehouse por primera vez`,
    oidc_consent: (app) => `Permitiste que ${app ?? 'una aplicación que se eliminó'} inicie tu sesión y vea tu cuenta`,
    oidc_access_removed: (app) => `Quitaste el acceso de ${app ?? 'una aplicación que se eliminó'} a tu cuenta`,
  },

  flash: {
    totpOn: 'Tu aplicación de autenticación está configurada. El inicio de sesión te pedirá su código.',
    totpOff: 'Se quitó la aplicación de autenticación.',
    totpAlreadyOn: 'Ya hay una aplicación de autenticación configurada. Quítala primero para configurar otra.',
    noFactor: 'Los códigos de recuperación acompañan a la verificación en dos pasos: configura primero un segundo factor.',
    sessionEnded: 'Se cerró esa sesión.',
    othersEnded: 'Se cerraron todas tus demás sesiones.',
    deviceForgotten: 'Ese dispositivo pedirá un código en su próximo inicio de sesión.',
    devicesForgotten: 'Todos los dispositivos recordados pedirán un código en su próximo inicio de sesión.',
    appRemoved: (app: string) => `${app} ya no tiene acceso a tu cuenta. Te lo pedirá de nuevo si inicias sesión en ella.`,
    emailLinkSent: (masked: string) => `Te enviamos un enlace a ${masked}. Tu dirección cambia cuando lo abras.`,
    emailChanged: 'Se ha cambiado tu correo electrónico.',
    emailTakenMeanwhile: 'Esa dirección ya la usa otra cuenta, así que tu correo electrónico no se ha cambiado.',
    deleted: 'Se ha eliminado tu cuenta. Te enviamos una confirmación a tu correo electrónico.',
    newRecoveryCodes: 'Tus códigos de recuperación nuevos están listos. Los anteriores ya no funcionan.',
  },

  reauthenticate: {
    title: 'Confirma que eres tú',
    heading: html`Confirma que eres tú`,
    intro: 'Por tu seguridad, vuelve a escribir tu contraseña para continuar.',
    password: 'Contraseña',
    continue: 'Continuar',
  },

  totpEnroll: {
    title: 'Configurar una aplicación de autenticación',
    scan: 'Escanea este código con tu aplicación de autenticación:',
    qrLabel: 'Código QR para añadir Gatehouse a tu aplicación de autenticación',
    cantScan: html`¿No puedes escanearlo? Escribe esta clave en la aplicación (basada en el tiempo, 6 dígitos):`,
    typeCode: 'Escribe el código de 6 dígitos que la aplicación muestra ahora para Gatehouse:',
    turnOn: 'Activar',
    cancel: 'Cancelar',
    wrongCode: 'Ese código no es correcto. Comprueba que la aplicación muestra Gatehouse, espera a un código nuevo e inténtalo de nuevo.',
  },

  passkeys: {
    title: 'Añadir una llave de acceso',
    intro: 'Una llave de acceso te permite iniciar sesión con tu huella, tu cara o el bloqueo de pantalla, o con una llave de seguridad que conectas. Solo funciona en este sitio, así que un sitio falso no puede engañarla.',
    button: 'Crear una llave de acceso',
    nameLabel: 'Ponle un nombre',
    nameHint: 'Para distinguir tus llaves de acceso, como "Teléfono" o "YubiKey".',
    back: 'Volver a seguridad',
    added: 'Se añadió tu llave de acceso. El inicio de sesión te la ofrecerá.',
    noAnswer: 'Tu navegador no ha enviado ninguna llave de acceso. Las llaves de acceso necesitan JavaScript: actívalo o usa otro navegador.',
    notAccepted: 'No se pudo añadir esa llave de acceso: puede que se agotara el tiempo de la ventana. Inténtalo de nuevo.',
    duplicate: 'Esa llave de acceso o llave de seguridad ya está en una cuenta.',
    renamed: 'Se cambió el nombre de la llave de acceso.',
    removed: 'Se quitó la llave de acceso.',
    nameRequired: (max: number) => `Ponle un nombre de hasta ${max} caracteres, como "Teléfono" o "YubiKey".`,
  },

  emailCodes: {
    on: 'Los códigos por correo están activados. Cuando no puedas usar tus otros factores, "Probar de otra forma" al iniciar sesión puede enviarte un código por correo.',
    off: 'Los códigos por correo están desactivados.',
    needsFactor: 'Los códigos por correo son una alternativa: configura primero una llave de acceso, una aplicación de autenticación o los códigos por mensaje de texto.',
  },

  changeEmail: {
    title: 'Cambiar tu correo electrónico',
    current: (current: string) => html`Tu dirección actual es <strong>${current}</strong>. Enviamos un enlace a la dirección nueva; nada cambia hasta que lo abras.
También avisamos a la dirección actual.`,
    newEmail: 'Correo electrónico nuevo',
    send: 'Enviar el enlace',
    cancel: 'Cancelar',
    same: 'Ese ya es tu correo electrónico.',
    confirmTitle: '¿Usar este correo electrónico?',
    confirmText: (newEmail: string) => html`Tu cuenta de Gatehouse usará <strong>${newEmail}</strong> a partir de ahora.`,
    confirm: 'Usar esta dirección',
    expiredTitle: 'Enlace caducado',
    expiredHeading: 'Este enlace ha caducado',
    expiredText: (securityPage: SafeHtml) =>
      html`Ya se usó, se sustituyó por uno más reciente o tiene más de un día. Pide uno nuevo en la ${securityPage}.`,
    securityPageLink: 'página de seguridad',
  },

  deleteAccount: {
    title: 'Eliminar tu cuenta',
    explain: (username: string) => html`Esto elimina la cuenta <strong>${username}</strong> de inmediato, con su perfil, sus factores de inicio de sesión, sus códigos de recuperación,
sus dispositivos recordados y su actividad de seguridad. No se puede deshacer. Te enviamos una confirmación a tu correo electrónico.`,
    confirmLabel: 'Escribe tu nombre de usuario para confirmar',
    button: 'Eliminar mi cuenta',
    cancel: 'Cancelar',
    mismatch: 'Ese no es tu nombre de usuario. Escríbelo exactamente para confirmar.',
  },

  factorChange: {
    totpAdded: 'Se añadió una aplicación de autenticación',
    totpRemoved: 'Se quitó la aplicación de autenticación',
    passkeyAdded: (name: string) => `Se añadió una llave de acceso ("${name}")`,
    passkeyRemoved: (name: string) => `Se quitó una llave de acceso ("${name}")`,
    emailCodesOn: 'Se activaron los códigos por correo',
    emailCodesOff: 'Se desactivaron los códigos por correo',
  },

  mail: {
    accountDeleted: {
      subject: 'Se eliminó tu cuenta de Gatehouse',
      heading: 'Se eliminó tu cuenta',
      what: (username: string, at: string) =>
        `La cuenta de Gatehouse ${username} se eliminó el ${at}, junto con sus factores de inicio de sesión, sus códigos de recuperación, sus dispositivos recordados y su actividad de seguridad.`,
      ifNotYou: 'Si no lo hiciste tú, alguien tenía tu contraseña y un inicio de sesión reciente: ponte en contacto con quienes gestionan este Gatehouse.',
    },
    confirmNewEmail: {
      subject: 'Confirma tu nuevo correo electrónico de Gatehouse',
      heading: 'Confirma tu nuevo correo electrónico',
      what: 'Pediste usar esta dirección para tu cuenta de Gatehouse. Nada cambia hasta que la confirmes; el enlace sirve durante 24 horas.',
      ifNotYou: 'Si no lo pediste tú, ignora este correo.',
      action: 'Usar este correo electrónico',
      expired: {
        subject: 'Caducó tu enlace para confirmar un nuevo correo electrónico de Gatehouse',
        heading: 'Tu enlace de confirmación caducó',
        what:
          'Pediste usar esta dirección para tu cuenta de Gatehouse, pero no pudimos entregarte el enlace para confirmarla en las 24 horas en que funciona, ' +
          'así que no va en este correo. No ha cambiado nada.',
        askAgain: 'Para volver a intentarlo, inicia sesión y cambia tu correo electrónico en tu página de seguridad. Si no lo pediste tú, ignora este correo.',
        action: 'Abrir mi página de seguridad',
      },
    },
    emailChangeRequested: {
      subject: 'Se pidió cambiar tu correo electrónico de Gatehouse',
      heading: 'Se pidió cambiar tu correo electrónico',
      what: (at: string, newAddress: string) =>
        `El ${at}, alguien con la sesión iniciada en tu cuenta pidió cambiar su correo electrónico a ${newAddress}. Solo cambia si se abre el enlace que enviamos allí.`,
      ifYou: 'Si fuiste tú, no tienes que hacer nada.',
    },
    emailChanged: {
      subject: 'Se cambió tu correo electrónico de Gatehouse',
      heading: 'Se cambió tu correo electrónico',
      what: (at: string, newAddress: string) =>
        `El ${at}, el correo electrónico de tu cuenta de Gatehouse se cambió a ${newAddress}. Los correos sobre la cuenta van ahora allí.`,
      ifNotYou:
        'Si no fuiste tú, «No fui yo» (arriba) vuelve a poner esta dirección, cierra la sesión de la cuenta en todas partes y te envía un enlace para elegir una contraseña nueva.',
    },
    factorChanged: {
      subject: (change: string) => `Aviso de seguridad de Gatehouse: ${lowerFirst(change)}`,
      what: (at: string, change: string) =>
        `El ${at}, se hizo este cambio en la verificación en dos pasos de tu cuenta de Gatehouse: ${lowerFirst(change)}.`,
      ifYou: 'Si fuiste tú, no tienes que hacer nada.',
    },
  },
};
