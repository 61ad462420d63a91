import type { Messages } from '../messages.js';
import { html, type SafeHtml } from '../../views/html.js';

export const recovery: Messages['recovery'] = {
  recover: {
    title: 'Recupera tu cuenta',
    heading: 'Recupera tu cuenta',
    lead:
      '¿Perdiste tu teléfono y tus códigos de recuperación? Aún puedes volver a entrar, pero no de inmediato: una contraseña ' +
      'robada no debe bastar para quitarte tus segundos factores.',
    stepLink: (lifetime: string) => `Te enviamos un enlace al correo electrónico de tu cuenta. Funciona una sola vez, durante ${lifetime}.`,
    stepWait: (wait: string): SafeHtml =>
      html`Cuando lo abras, empieza una <strong>espera de ${wait}</strong>. Te escribimos al comienzo, y puedes cancelarla desde ese correo hasta que termine la espera.`,
    stepAfter:
      'Después de la espera, inicia sesión con tu contraseña: se quitan tus segundos factores (aplicación de autenticación, ' +
      'códigos por mensaje de texto, códigos de recuperación, dispositivos recordados) y configuras uno nuevo antes de cualquier otra cosa.',
    meanwhile: '¿Encuentras tu teléfono o un código de recuperación mientras tanto? Basta con que inicies sesión con él: eso cancela la recuperación.',
    submit: 'Envíame un enlace de recuperación',
    back: 'Volver al código de inicio de sesión',
  },
  linkSent: {
    title: 'Revisa tu correo',
    heading: 'Revisa tu correo',
    sent: (maskedEmail: string, lifetime: string) =>
      `Enviamos un enlace de recuperación a ${maskedEmail}. Funciona una sola vez, durante ${lifetime}; solo funciona el enlace más reciente.`,
    nothingYet: 'Nada cambia hasta que lo abras, y no se quita nada hasta que termine la espera que empieza entonces.',
  },
  confirmStart: {
    title: '¿Iniciar la recuperación de la cuenta?',
    heading: '¿Iniciar la recuperación de la cuenta?',
    wait: (wait: string) => `Al iniciarla, empieza una espera de ${wait}. Te escribimos ahora, con un enlace para cancelarla.`,
    after: 'Después de la espera, inicia sesión con tu contraseña: se quitan tus segundos factores y configuras uno nuevo.',
    submit: 'Iniciar la recuperación',
  },
  started: {
    title: 'Recuperación de la cuenta iniciada',
    heading: 'Recuperación de la cuenta iniciada',
    when: (at: string): SafeHtml =>
      html`El <strong>${at}</strong>, inicia sesión con tu contraseña: entonces se quitarán tus segundos factores y configurarás uno nuevo.`,
    mailed:
      'Te enviamos un correo para avisarte de que la recuperación empezó, con un enlace para cancelarla. Si antes de esa fecha ' +
      'encuentras tu teléfono o un código de recuperación, iniciar sesión con él cancela la recuperación.',
    backToSignIn: 'Volver al inicio de sesión',
  },
  alreadyWaiting: {
    title: 'Ya hay una recuperación en curso',
    heading: 'Ya hay una recuperación en curso',
    text: (at: string): SafeHtml =>
      html`Los segundos factores de tu cuenta se quitarán en el primer inicio de sesión con tu contraseña a partir del <strong>${at}</strong>. Iniciar otra recuperación no la adelantaría.`,
    backToSignIn: 'Volver al inicio de sesión',
  },
  nothingToRecover: {
    title: 'Nada que recuperar',
    heading: 'Nada que recuperar',
    text: 'Tu cuenta ya no tiene ningún segundo factor, así que basta con tu contraseña para iniciar sesión.',
    signIn: 'Iniciar sesión',
  },
  startLinkExpired: {
    title: 'Enlace caducado',
    heading: 'Este enlace ya no funciona',
    text: (lifetime: string) =>
      `Los enlaces de recuperación funcionan una sola vez, durante ${lifetime}, y solo el último que pediste. Inicia sesión con tu contraseña y vuelve a elegir "Recupera tu cuenta" para recibir uno nuevo.`,
    signIn: 'Iniciar sesión',
  },
  blocked: {
    title: 'La recuperación aún no puede empezar',
    heading: 'La recuperación aún no puede empezar',
    message: (resetAt: string, until: string) =>
      `Tu contraseña se restableció por correo el ${resetAt}. Para que quien lea tu buzón no pueda quitar también tus segundos factores, la recuperación de la cuenta podrá empezar a partir del ${until}.`,
  },
  confirmCancel: {
    title: '¿Cancelar la recuperación de la cuenta?',
    heading: '¿Cancelar la recuperación de la cuenta?',
    text: (startedAt: string, completesAt: string) =>
      `El ${startedAt} se inició una recuperación de tu cuenta. Si no se cancela, tus segundos factores se quitarán en el primer inicio de sesión con tu contraseña a partir del ${completesAt}.`,
    advice: 'Cancélala si no la iniciaste tú o si ya no la necesitas.',
    submit: 'Cancelar la recuperación',
  },
  cancelled: {
    title: 'La recuperación está cancelada',
    heading: 'La recuperación está cancelada',
    text: 'No se quitó nada: tus segundos factores siguen como estaban.',
    ifNotYou: (resetHref: string): SafeHtml =>
      html`Si no iniciaste tú la recuperación, alguien conoce tu contraseña y puede leer tu correo. <a href="${resetHref}">Elige una contraseña nueva</a> ahora y cambia también la contraseña de tu correo.`,
  },
  cancelLinkExpired: {
    title: 'Enlace caducado',
    heading: 'Este enlace ya no funciona',
    text: (securityHref: string): SafeHtml =>
      html`La recuperación a la que pertenece ya se canceló o se completó. Tu <a href="${securityHref}">página de seguridad</a> muestra la actividad reciente de la cuenta.`,
  },
  flash: {
    cancelled: 'La recuperación de la cuenta está cancelada. Tus segundos factores siguen como estaban.',
    noneWaiting: 'No hay ninguna recuperación de la cuenta en curso.',
    cancelledBySignIn:
      'Iniciaste sesión con un segundo factor, así que se canceló la recuperación de la cuenta que estaba en espera. Tus segundos factores siguen como estaban.',
  },
  cancelledBecause: {
    link: 'Se canceló con el enlace de nuestro correo.',
    'security-page': 'Se canceló en la página de seguridad de la cuenta.',
    'factor-sign-in': 'Alguien inició sesión con uno de sus segundos factores, así que la cuenta no necesita recuperarse.',
    'password-changed': 'Se cambió la contraseña, y una recuperación solo vale lo que vale la contraseña con la que se inició.',
    'password-reset': 'Se restableció la contraseña por correo, y una recuperación solo vale lo que vale la contraseña con la que se inició.',
    'wasnt-me': 'Se indicó "No fui yo" desde uno de nuestros correos.',
  },
  mail: {
    link: {
      subject: 'Recupera tu cuenta de Gatehouse',
      heading: 'Recupera tu cuenta',
      asked:
        'Alguien que conoce tu contraseña pidió recuperar tu cuenta de Gatehouse porque no puede usar sus segundos factores ' +
        '(aplicación de autenticación, códigos por mensaje de texto, códigos de recuperación).',
      ifYou: (lifetime: string, wait: string) =>
        `Si fuiste tú, abre el enlace de abajo en un plazo de ${lifetime} para iniciar la recuperación. Después empieza una espera de ${wait}; ` +
        'te escribimos cuando empiece, y puedes cancelarla hasta que termine. Al terminar, se quitan tus segundos factores y ' +
        'configuras uno nuevo al iniciar sesión.',
      ifNotYou: 'Si no fuiste tú, no abras el enlace: sin él no cambia nada. Pero alguien conoce tu contraseña, así que cámbiala ahora.',
      action: 'Iniciar la recuperación de la cuenta',
      expired: {
        subject: 'Caducó tu enlace para recuperar la cuenta de Gatehouse',
        heading: 'Tu enlace de recuperación caducó',
        what: (askedAt: string, lifetime: string) =>
          `El ${askedAt}, alguien que conoce tu contraseña pidió un enlace para recuperar tu cuenta de Gatehouse. No pudimos entregarlo en el plazo de ${lifetime} en que funciona, así que no va en este correo y no ha cambiado nada.`,
        ifYou: 'Si fuiste tú, vuelve a iniciar sesión y elige «Recupera tu cuenta» para recibir un enlace nuevo.',
        ifNotYou: 'Si no fuiste tú, alguien conoce tu contraseña: cámbiala ahora.',
      },
    },
    started: {
      subject: 'Recuperación de la cuenta iniciada',
      heading: 'Recuperación de la cuenta iniciada',
      what: (startedAt: string) =>
        `El ${startedAt}, alguien que conocía tu contraseña y abrió un enlace enviado a esta dirección empezó a recuperar tu cuenta de Gatehouse.`,
      when: (completesAt: string) =>
        `El ${completesAt}, a menos que se cancele, se quitarán todos los segundos factores de la cuenta (aplicación de autenticación, ` +
        'códigos por mensaje de texto, códigos de recuperación, dispositivos recordados), y quien inicie sesión con la contraseña ' +
        'configurará uno nuevo.',
      ifNotYou:
        'Si no fuiste tú, cancela la recuperación ahora y después cambia tu contraseña: alguien la conoce. Iniciar sesión con uno ' +
        'de tus segundos factores también la cancela.',
      action: 'Cancelar la recuperación',
      late:
        'Este correo te llega tarde, cuando sus enlaces ya habían caducado. Si no fuiste tú, inicia sesión con uno de tus segundos ' +
        'factores (así se cancela la recuperación) o elige una contraseña nueva ahora.',
    },
    cancelled: {
      subject: 'Recuperación de la cuenta cancelada',
      heading: 'Recuperación de la cuenta cancelada',
      what: (at: string, why: string) => `El ${at}, se canceló la recuperación de tu cuenta de Gatehouse. ${why}`,
      stay: 'Tus segundos factores siguen como estaban. Si no iniciaste tú la recuperación, alguien conoce tu contraseña: cámbiala.',
    },
    completed: {
      subject: 'Se quitaron tus segundos factores',
      heading: 'Se quitaron tus segundos factores',
      what: (startedAt: string, at: string) =>
        `La recuperación de la cuenta iniciada el ${startedAt} se completó el ${at}, al iniciar sesión con tu contraseña: se ` +
        'quitaron la aplicación de autenticación, los códigos por mensaje de texto, los códigos de recuperación y los ' +
        'dispositivos recordados de tu cuenta de Gatehouse, y se cerró la sesión en todos los demás dispositivos.',
      setUp: 'La cuenta tiene que configurar un segundo factor nuevo antes de poder hacer cualquier otra cosa.',
      ifNotYou: 'Si no fuiste tú, alguien tiene tu contraseña y acceso a este buzón: protege tu cuenta ahora.',
    },
  },
};
