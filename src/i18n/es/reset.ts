import type { Messages } from '../messages.js';
import { html, type SafeHtml } from '../../views/html.js';

export const reset: Messages['reset'] = {
  request: {
    title: 'Contraseña olvidada',
    heading: '¿Olvidaste tu contraseña?',
    intro: 'Escribe el correo electrónico de tu cuenta y te enviaremos un enlace para elegir una contraseña nueva.',
    email: 'Correo electrónico',
    submit: 'Enviar el enlace',
    backToSignIn: 'Volver al inicio de sesión',
    emailMissing: 'Escribe el correo electrónico de tu cuenta.',
  },
  requested: {
    title: 'Revisa tu correo',
    heading: 'Revisa tu correo',
    sent: (minutes: number) =>
      `Si alguna cuenta usa esa dirección, le hemos enviado un enlace para elegir una contraseña nueva. El enlace funciona una sola vez, durante ${minutes} minutos.`,
    nothingArrived: (href: string): SafeHtml =>
      html`¿No te llegó nada después de unos minutos? Revisa la carpeta de spam o <a href="${href}">pide un enlace nuevo</a>.`,
  },
  newPassword: {
    title: 'Elige una contraseña nueva',
    heading: 'Elige una contraseña nueva',
    password: 'Contraseña nueva',
    confirm: 'Repite la contraseña nueva',
    submit: 'Guardar la contraseña nueva',
  },
  invalidLink: {
    title: 'Enlace caducado',
    heading: 'Este enlace ya no funciona',
    text: (minutes: number) =>
      `Los enlaces para restablecer la contraseña funcionan una sola vez, durante ${minutes} minutos, y solo es válido el último que pediste.`,
    newLink: 'Envíame un enlace nuevo',
  },
  changed: 'Se cambió tu contraseña. Inicia sesión con tu contraseña nueva.',
  mail: {
    subject: 'Restablece tu contraseña de Gatehouse',
    heading: 'Restablece tu contraseña',
    intro: (minutes: number) => `Para elegir una contraseña nueva de Gatehouse, abre el enlace de abajo. Funciona una sola vez, durante ${minutes} minutos.`,
    action: 'Elegir una contraseña nueva',
    ignore: 'Si no pediste restablecer tu contraseña, ignora este mensaje: tu contraseña sigue siendo la misma.',
    expired: {
      subject: 'Caducó tu enlace para restablecer la contraseña de Gatehouse',
      heading: 'Tu enlace caducó',
      what: (askedAt: string, minutes: number) =>
        `El ${askedAt}, alguien (quizá tú) pidió un enlace para restablecer tu contraseña de Gatehouse. No pudimos entregártelo en los ${minutes} minutos en que funciona, así que no va en este correo.`,
      askAgain: 'Si todavía quieres elegir una contraseña nueva, pide un enlace nuevo. Si no lo pediste, ignora este mensaje.',
      action: 'Pedir un enlace nuevo',
    },
  },
  doneMail: {
    subject: 'Se ha restablecido tu contraseña de Gatehouse',
    heading: 'Se ha restablecido tu contraseña',
    what: (at: string) =>
      `Tu contraseña de Gatehouse se restableció el ${at} con un enlace enviado a esta dirección. Se ha cerrado la sesión en todos los dispositivos en los que tu cuenta estaba abierta.`,
    ifYou: 'Si fuiste tú, no tienes que hacer nada.',
    ifNotYou:
      'Si no fuiste tú, puede que lo haya hecho alguien que puede leer este buzón: protege tu cuenta con el botón de arriba (te enviará por correo un enlace nuevo para restablecer la contraseña) y cambia también la contraseña de tu cuenta de correo.',
  },
  wasntMe: {
    title: 'Protege tu cuenta',
    heading: 'Protege tu cuenta',
    intro: 'Si no hiciste el cambio del que te avisó este correo, puede que otra persona esté usando tu cuenta. Esto:',
    signsOut: 'cerrará la sesión de tu cuenta en todos los dispositivos, incluido este;',
    forgetsDevices: 'hará que todos los dispositivos recordados vuelvan a pedir un código;',
    undoesFactors:
      'quitará toda llave de acceso, aplicación de autenticación o teléfono de respaldo añadidos, y desactivará los códigos por mensaje de texto activados o cambiados de número, desde el primer correo de seguridad de los últimos 7 días (después, vuelve a configurar los tuyos);',
    emailCodesOff: 'desactivará los códigos por correo;',
    mailsResetLink: 'te enviará por correo un enlace para elegir una contraseña nueva.',
    submit: 'Proteger mi cuenta',
    doneTitle: 'Tu cuenta está protegida',
    doneHeading: 'Tu cuenta está protegida',
    doneText:
      'Se cerró la sesión en todos los dispositivos y los dispositivos recordados volverán a pedir un código. Te enviamos por correo ' +
      'un enlace para elegir una contraseña nueva: ábrelo pronto. Si además ves segundos factores que no añadiste, quítalos en la ' +
      'página de seguridad después de iniciar sesión.',
  },
};
