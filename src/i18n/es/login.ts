/** Español: iniciar sesión — la página de contraseña, las llaves de acceso, cada forma de terminar, y sus correos. */
import { html, type SafeHtml } from '../../views/html.js';
import type { Messages } from '../messages.js';
import { common } from './common.js';

const inMinutes = common.time.waitMinutes;

export const login: Messages['login'] = {
  page: {
    title: 'Iniciar sesión',
    heading: 'Iniciar sesión',
    usernameOrEmail: 'Nombre de usuario o correo electrónico',
    password: 'Contraseña',
    rememberMe: 'Recordarme durante 30 días',
    submit: 'Iniciar sesión',
    withPasskey: 'Iniciar sesión con una llave de acceso',
    secondStepRequired: 'La aplicación en la que inicias sesión también necesita tu segundo paso: después de la contraseña, confírmalo con tu código, tu aplicación o tu llave de acceso, aunque este navegador esté recordado.',
    forgotPassword: '¿Olvidaste tu contraseña?',
    newHere: (link: SafeHtml): SafeHtml => html`¿Primera vez aquí? ${link}`,
    createAccount: 'Crear una cuenta',
    invalidCredentials: 'El nombre de usuario o correo electrónico y la contraseña no coinciden. Revísalos e inténtalo de nuevo.',
    suspended: (contact: string | null) =>
      `Esta cuenta está suspendida: por ahora no puede iniciar sesión. ${contact ? `Para preguntar por qué, o para recuperarla, contacta con ${contact}.` : 'Para preguntar por qué, o para recuperarla, contacta con quienes administran este sitio.'}`,
    paused: (ms: number) => `El inicio de sesión en esta cuenta está en pausa durante ${inMinutes(ms)} tras demasiados intentos fallidos.`,
    pausedUntilReset: 'El inicio de sesión en esta cuenta está en pausa tras demasiados intentos fallidos, hasta que se restablezca su contraseña.',
    pausedWayOut: 'Restablece tu contraseña para entrar antes',
    pausedUntilResetWayOut: 'Restablece tu contraseña para volver a entrar',
  },
  signedOut: 'Has cerrado sesión.',
  passwordless: {
    title: 'Iniciar sesión con una llave de acceso',
    heading: 'Iniciar sesión con una llave de acceso',
    intro:
      'Usa la llave de acceso que añadiste a tu cuenta de Gatehouse: tu navegador te pide que la desbloquees con tu huella, tu cara o el bloqueo de pantalla, o que toques tu llave de seguridad.',
    button: 'Iniciar sesión con una llave de acceso',
    withPassword: 'Iniciar sesión con tu contraseña en su lugar',
    noAnswer: 'Tu navegador no ha enviado ninguna llave de acceso. Las llaves de acceso necesitan JavaScript: actívalo o inicia sesión con tu contraseña.',
    notAccepted:
      'Esa llave de acceso no ha iniciado tu sesión. Puede que no esté en ninguna cuenta de aquí o que no haya comprobado que eras tú (PIN, huella o cara). Inténtalo de nuevo o inicia sesión con tu contraseña.',
  },
  footer: {
    recover: '¿No puedes usar ninguna de estas opciones? Recupera tu cuenta',
    startOver: 'Cancelar y volver a empezar',
  },
  otherWays: {
    heading: 'Probar de otra forma',
    passkey: 'Usar una llave de acceso o llave de seguridad',
    totp: 'Usar tu aplicación de autenticación',
    sms: 'Recibir un código por mensaje de texto o llamada',
    backupPhone: 'Recibir un código en tu teléfono de respaldo',
    email: 'Recibir un código por correo',
    recovery: 'Usar un código de recuperación',
  },
  tooManyWrongCodes: 'Demasiados códigos incorrectos. Por tu seguridad, vuelve a iniciar sesión.',
  totp: {
    title: 'Escribe tu código',
    heading: 'Escribe el código de tu aplicación de autenticación',
    intro: 'Abre la aplicación de autenticación de tu teléfono y escribe el código de 6 dígitos que muestra para Gatehouse.',
    wrong: 'Ese código no es correcto o ya se usó. Escribe el código más reciente de tu aplicación de autenticación.',
  },
  sms: {
    title: 'Escribe tu código',
    heading: 'Escribe el código que te hemos enviado',
    sentTo: (which: string, phone: string) => `Te hemos enviado un código de 6 dígitos a ${which}, ${phone}.`,
    askFor: (which: string, phone: string) => `Pide que te enviemos un código a ${which}, ${phone}.`,
    yourPhone: 'tu teléfono',
    yourBackupPhone: 'tu teléfono de respaldo',
    mainPhoneInstead: 'Enviar un código a tu teléfono principal en su lugar',
  },
  backupPhone: {
    title: 'Usar tu teléfono de respaldo',
    heading: 'Usar tu teléfono de respaldo',
    intro: (phone: string) => `Podemos enviarte un código de 6 dígitos a tu teléfono de respaldo, ${phone}.`,
    textMe: 'Envíame un código por mensaje de texto',
    callMe: 'Llámame con un código',
  },
  email: {
    title: 'Recibir un código por correo',
    heading: 'Recibir un código por correo',
    sentTo: (address: string) => `Te hemos enviado un código de 6 dígitos a ${address}. Sirve una sola vez, durante 10 minutos.`,
    canSend: (address: string) => `Podemos enviarte un código de 6 dígitos a ${address}.`,
    sendCode: 'Envíame un código por correo',
    sendNewCode: 'Envíame un código nuevo por correo',
    sent: 'Te hemos enviado un código por correo. Sirve durante 10 minutos.',
    wrong: 'Ese código no es correcto, ha caducado o ya se usó. Pide uno nuevo si lo necesitas.',
  },
  passkey: {
    title: 'Usar tu llave de acceso',
    heading: 'Usar tu llave de acceso',
    intro: 'Pulsa el botón y desbloquea tu llave de acceso con tu huella, tu cara o el bloqueo de pantalla, o toca tu llave de seguridad.',
    button: 'Usar tu llave de acceso',
    wrong: 'No se ha aceptado esa llave de acceso. Usa una llave de acceso que hayas añadido a esta cuenta o prueba de otra forma.',
    noAnswer: 'Tu navegador no ha enviado ninguna llave de acceso. Las llaves de acceso necesitan JavaScript: actívalo o prueba de otra forma.',
  },
  recoveryCode: {
    title: 'Usar un código de recuperación',
    heading: 'Usar un código de recuperación',
    intro: 'Escribe uno de los códigos de recuperación que guardaste al configurar la verificación en dos pasos. Cada código sirve una sola vez.',
    label: 'Código de recuperación',
    hint: 'Como ABCD-EFGH-JKMN. Los guiones y los espacios no importan.',
    submit: 'Iniciar sesión',
    wrong: 'Ese código de recuperación no es correcto o ya se usó.',
  },
  mail: {
    recoveryCodeUsed: {
      subject: 'Se ha usado un código de recuperación para iniciar sesión en Gatehouse',
      heading: 'Se ha usado un código de recuperación',
      what: (at: string, left: number) =>
        `Alguien inició sesión en tu cuenta de Gatehouse con uno de tus códigos de recuperación el ${at}. Ese código no volverá a funcionar; ${
          left === 0 ? 'no te queda ninguno' : left === 1 ? 'te queda 1' : `te quedan ${left}`
        }.`,
      ifYou: 'Si fuiste tú, te conviene crear un juego nuevo de códigos de recuperación y revisar tus segundos factores.',
    },
    emailCode: {
      subject: 'Tu código de inicio de sesión de Gatehouse',
      heading: 'Tu código de inicio de sesión',
      what: (code: string) =>
        `Tu código para terminar de iniciar sesión en Gatehouse es ${code}. Sirve una sola vez, durante 10 minutos. Nunca te lo pediremos por teléfono ni por correo.`,
      askedFor: (at: string) => `Lo pidió el ${at} alguien que escribió tu contraseña. Si no fuiste tú, otra persona conoce tu contraseña.`,
      expired: {
        subject: 'Caducó tu código de inicio de sesión de Gatehouse',
        heading: 'Tu código de inicio de sesión caducó',
        what: (at: string) =>
          `El ${at}, alguien que escribió tu contraseña pidió un código de inicio de sesión por correo. No pudimos entregarlo en los 10 minutos en que funciona, así que no va en este correo.`,
        ifYou: 'Si fuiste tú, pide un código nuevo en la página de inicio de sesión.',
        ifNotYou: 'Si no fuiste tú, otra persona conoce tu contraseña: elige una nueva ahora.',
      },
    },
    lockout: {
      subject: 'El inicio de sesión en tu cuenta de Gatehouse está en pausa',
      heading: 'El inicio de sesión en tu cuenta está en pausa',
      wrongPasswords: (at: string) => `Alguien escribió una contraseña incorrecta para tu cuenta de Gatehouse varias veces seguidas, la última el ${at}.`,
      wrongCodes: (at: string) => `Alguien escribió bien tu contraseña de Gatehouse y después varios códigos de inicio de sesión incorrectos seguidos, el último el ${at}.`,
      forAWhile: (duration: string) => `Para proteger tu cuenta, el inicio de sesión queda en pausa durante ${duration}, y más tiempo si siguen los intentos fallidos.`,
      untilReset: 'Para proteger tu cuenta, el inicio de sesión queda en pausa hasta que se restablezca su contraseña. Restablécela desde la página de inicio de sesión con «¿Olvidaste tu contraseña?».',
      ifYouPassword: 'Si fuiste tú, espera y vuelve a intentarlo, o restablece tu contraseña. Si no fuiste tú, nadie ha entrado: todas las contraseñas probadas eran incorrectas.',
      ifYouPasswordUntilReset:
        'Si fuiste tú, restablece tu contraseña para volver a entrar. Si no fuiste tú, nadie ha entrado: todas las contraseñas probadas eran incorrectas; al restablecerla se levanta la pausa.',
      ifNotYouCode: 'Quien lo hizo conoce tu contraseña. Si no fuiste tú, cámbiala ahora y revisa los segundos factores en tu página de seguridad.',
    },
    newBrowser: {
      subject: 'Nuevo inicio de sesión en tu cuenta de Gatehouse',
      heading: 'Nuevo inicio de sesión en tu cuenta',
      what: (device: string, ip: string, at: string) =>
        `Se inició sesión en tu cuenta de Gatehouse desde ${device} (dirección ${ip}) el ${at}, un navegador desde el que no se había usado antes.`,
      ifYou: 'Si fuiste tú, no tienes que hacer nada.',
    },
  },
};
