/** Español: la cuenta de cada persona — registro, confirmación del correo, perfil, cambio de contraseña — y sus correos. */
import { html, type SafeHtml } from '../../views/html.js';
import type { Messages } from '../messages.js';

export const account: Messages['account'] = {
  fields: {
    firstName: 'Nombre',
    lastName: 'Apellidos',
    username: 'Nombre de usuario',
    usernameHint: 'De 3 a 32 letras, cifras, "_", "-" o "."',
    email: 'Correo electrónico',
    password: 'Contraseña',
    repeatPassword: 'Repite la contraseña',
  },
  cancel: 'Cancelar',
  usernameTaken: 'Ese nombre de usuario ya está en uso. Prueba con otro.',

  register: {
    title: 'Registrarse',
    heading: 'Crear una cuenta',
    emailHint: 'Te enviaremos un enlace a esta dirección para confirmarla.',
    submit: 'Crear cuenta',
    haveAccount: (signInLink: SafeHtml): SafeHtml => html`¿Ya tienes una cuenta? ${signInLink}`,
    registered: 'Cuenta creada: revisa tu correo para confirmar tu dirección.',
  },

  confirmEmail: {
    title: 'Confirma tu correo electrónico',
    heading: 'Confirma tu correo electrónico',
    confirmThat: (maskedEmail: string) => `Confirma que ${maskedEmail} es tu dirección de correo electrónico para Gatehouse.`,
    submit: 'Confirmar mi correo electrónico',
    confirmed: 'Gracias: tu correo electrónico está confirmado.',
    confirmedOther: 'Ese correo electrónico está confirmado.',
    confirmedSignIn: 'Gracias: tu correo electrónico está confirmado. Inicia sesión para continuar.',
    alreadyConfirmed: 'Tu correo electrónico ya está confirmado.',
    resendTooSoon: 'Te enviamos un enlace hace menos de un minuto. Espera un momento (y revisa tu carpeta de spam) antes de volver a pedirlo.',
    resent: (maskedEmail: string, hours: number) =>
      `Te enviamos un enlace de confirmación nuevo a ${maskedEmail}. Funciona durante ${hours} horas; los enlaces anteriores ya no funcionan.`,
  },

  linkGone: {
    title: 'Enlace caducado',
    heading: 'Este enlace ya no funciona',
    rules: (hours: number) => `Los enlaces de confirmación funcionan una sola vez, durante ${hours} horas, y solo es válido el último que enviamos.`,
    alreadyConfirmed: (homeLink: SafeHtml): SafeHtml =>
      html`Tu propio correo electrónico ya está confirmado: no hay nada más que hacer. ${homeLink}`,
    goHome: 'Ir a tu página de inicio',
    sendNew: 'Envíame un enlace nuevo',
    visitor: (signInLink: SafeHtml, resend: string): SafeHtml =>
      html`Para recibir un enlace nuevo, ${signInLink} y elige <strong>${resend}</strong> en el aviso de la parte superior de la página.`,
    signInLabel: 'inicia sesión',
  },

  confirmationMail: {
    subject: 'Confirma tu correo electrónico para Gatehouse',
    heading: 'Confirma tu correo electrónico',
    intro: (hours: number) =>
      `Confirma que esta es tu dirección de correo electrónico para Gatehouse. El enlace funciona una sola vez, durante ${hours} horas.`,
    action: 'Confirmar mi correo electrónico',
    notYou: 'Si no creaste una cuenta de Gatehouse, ignora este mensaje.',
    expired: {
      subject: 'Caducó tu enlace de confirmación de Gatehouse',
      heading: 'Tu enlace de confirmación caducó',
      what: (hours: number) =>
        `No pudimos entregarte el enlace para confirmar tu correo electrónico en las ${hours} horas en que funciona, así que no va en este correo.`,
      askAgain: (resend: string) => `Para recibir uno nuevo, inicia sesión y elige «${resend}» en el aviso de la parte superior de la página.`,
    },
  },

  registrationAttemptMail: {
    subject: 'Alguien intentó registrarse con tu dirección de Gatehouse',
    heading: 'Alguien intentó registrarse con tu dirección',
    what: 'Alguien acaba de intentar crear una cuenta nueva de Gatehouse con esta dirección de correo electrónico. Ya pertenece a tu cuenta, así que no se creó ninguna cuenta nueva.',
    ifYou: 'Si fuiste tú, no necesitas una segunda cuenta.',
    forgotPassword: '¿Olvidaste tu contraseña?',
    chooseNew: 'Elige una nueva',
    ifNotYou: 'Si no fuiste tú, puedes ignorar este mensaje: no ha cambiado nada en tu cuenta.',
  },

  profile: {
    lastSeen: 'Última conexión',
    memberSince: 'Miembro desde',
    editProfile: 'Editar perfil',
    changePassword: 'Cambiar contraseña',
    security: 'Seguridad',
    twoFactorStatus: (on: boolean, link: SafeHtml): SafeHtml =>
      html`La verificación en dos pasos está ${on ? 'activada' : 'desactivada'}. ${link}.`,
    manageSecurity: 'Gestiona la verificación en dos pasos, los códigos de recuperación y la actividad reciente',
  },

  editProfile: {
    title: 'Editar perfil',
    heading: 'Editar perfil',
    aboutMe: 'Sobre mí',
    aboutMeHint: (max: number) => `Hasta ${max} caracteres.`,
    save: 'Guardar',
    usernameJustTaken: 'Alguien acaba de elegir ese nombre de usuario. Prueba con otro.',
    saved: 'Se ha guardado tu perfil.',
  },

  changePassword: {
    title: 'Cambiar contraseña',
    heading: 'Cambia tu contraseña',
    intro: 'Después, se cerrará la sesión en todos los demás dispositivos conectados a tu cuenta y te enviaremos un aviso por correo.',
    currentPassword: 'Contraseña actual',
    newPassword: 'Contraseña nueva',
    repeatNewPassword: 'Repite la contraseña nueva',
    submit: 'Cambiar contraseña',
    sameAsCurrent: 'Esa es tu contraseña actual. Elige una nueva.',
    changed: 'Se ha cambiado tu contraseña. Se ha cerrado la sesión en todos los demás dispositivos.',
  },

  passwordChangedMail: {
    subject: 'Se ha cambiado tu contraseña de Gatehouse',
    heading: 'Se ha cambiado tu contraseña',
    what: (at: string) =>
      `Tu contraseña de Gatehouse se cambió el ${at}. Se ha cerrado la sesión en todos los demás dispositivos en los que tu cuenta estaba abierta.`,
    ifYou: 'Si fuiste tú, no tienes que hacer nada.',
  },
};
