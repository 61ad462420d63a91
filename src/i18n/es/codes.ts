/** Español: códigos y factores que comparten el inicio de sesión y la configuración. */
import { html, type SafeHtml } from '../../views/html.js';
import type { Messages } from '../messages.js';

import { common } from './common.js';

const inMinutes = common.time.waitMinutes;
const { second } = common.time.units;

export const codes: Messages['codes'] = {
  codeEntry: {
    didntGetIt: '¿No te ha llegado?',
    sendAgain: 'Enviar de nuevo',
    callInstead: 'Llámame',
    waitNote: (seconds: number) => `Podrás pedir un código nuevo dentro de ${second(seconds)}.`,
    waitNoteTemplate: { one: 'Podrás pedir un código nuevo dentro de 1 segundo.', other: 'Podrás pedir un código nuevo dentro de {seconds} segundos.' },
  },
  startFailure: {
    invalid_number: 'Ese número de teléfono no es válido. Escríbelo con el prefijo del país, por ejemplo +34 612 345 678.',
    landline: 'Ese número parece un fijo, que no puede recibir mensajes de texto. Elige "Llámame".',
    unsubscribed:
      'Ese número ha desactivado nuestros mensajes de texto (alguien respondió STOP). Elige "Llámame", o responde START a uno de nuestros mensajes y vuelve a intentarlo.',
    blocked: 'No podemos enviar códigos a ese número o país. Prueba con otro número.',
    too_many_sends: 'Se han enviado demasiados códigos a este número. Espera 10 minutos y vuelve a intentarlo.',
    number_busy: 'Se han pedido varios códigos para este número a la vez. Espera un minuto y vuelve a intentarlo.',
    misconfigured:
      'Los códigos por mensaje de texto y por llamada no funcionan ahora mismo por un problema nuestro, no de tu número. Usa otra forma si la tienes, o inténtalo de nuevo más tarde.',
    unavailable: 'No hemos podido enviar un código ahora mismo. Inténtalo de nuevo en un momento.',
  },
  checkFailure: {
    wrong_code: 'Ese código no es correcto. Revisa el último mensaje e inténtalo de nuevo.',
    expired: 'Ese código ha caducado o ya se usó. Pide un código nuevo.',
    too_many_checks: 'Demasiados intentos con este código. Pide un código nuevo.',
    misconfigured:
      'Ahora mismo no podemos comprobar los códigos de mensajes de texto o llamadas por un problema nuestro. Usa otra forma si la tienes, o inténtalo de nuevo más tarde.',
    unavailable: 'No hemos podido comprobar tu código ahora mismo. Inténtalo de nuevo en un momento.',
  },
  resendTooSoon: (seconds: number) => `Espera ${second(seconds)} antes de pedir otro código.`,
  codeSent: { sms: 'Te hemos enviado un código nuevo.', call: 'Te estamos llamando para darte el código.' },
  limits: {
    tooManyCodesSent: (ms: number) => `Se han enviado demasiados códigos. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManyWrongCodes: (ms: number) => `Demasiados códigos incorrectos. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManySignInAttempts: (ms: number) => `Demasiados intentos de inicio de sesión desde tu red. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManyRegistrations: (ms: number) => `Demasiadas cuentas nuevas desde tu red. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManyResetRequests: (ms: number) => `Demasiadas solicitudes de restablecimiento desde tu red. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManyEmailCodes: (ms: number) => `Ya te hemos enviado varios códigos por correo. Revisa tu correo o inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    tooManyRecoveryMails: (ms: number) => `Ya te hemos enviado varios enlaces de recuperación. Revisa tu correo o inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    smsPaused: (ms: number) => `No podemos enviar códigos ahora mismo. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
    codesLockedUntilReset: 'Demasiados códigos incorrectos. Restablece tu contraseña por correo para desbloquear el inicio de sesión.',
    countryNotAllowed: 'No podemos enviar códigos a números de teléfono de ese país. Prueba con un número de otro país.',
  },
  reauth: {
    wrong: 'Esa no es tu contraseña actual.',
    lockedUntilReset: 'Demasiadas contraseñas incorrectas. Restablece tu contraseña por correo para continuar.',
    locked: (ms: number) => `Demasiadas contraseñas incorrectas. Inténtalo de nuevo dentro de ${inMinutes(ms)}.`,
  },
  recoveryCodes: {
    title: 'Códigos de recuperación',
    heading: 'Tus códigos de recuperación',
    explain: html`Cada código te permite iniciar sesión una vez, en lugar de un código de tu teléfono. Guárdalos en un lugar seguro,
como un gestor de contraseñas o una copia impresa. <strong>Es la única vez que se muestran.</strong>`,
    saved: 'Ya los he guardado',
    low: (left: number) =>
      left === 0
        ? 'No te quedan códigos de recuperación. Crea un juego nuevo en la página de seguridad.'
        : `Te ${left === 1 ? 'queda 1 código' : `quedan ${left} códigos`} de recuperación. Crea un juego nuevo en la página de seguridad.`,
  },
  passkeyForm: {
    needsJavaScript: 'Las llaves de acceso necesitan JavaScript, que está desactivado en este navegador.',
    unsupported: 'Este navegador no puede usar llaves de acceso. Prueba de otra forma o con otro navegador.',
    cancelled: 'La ventana de la llave de acceso se cerró o se agotó el tiempo. Pulsa el botón para intentarlo de nuevo.',
    duplicate: 'Esta llave de acceso o llave de seguridad ya está en tu cuenta.',
    failed: 'Tu navegador no ha podido usar una llave de acceso aquí. Inténtalo de nuevo o prueba de otra forma.',
  },
  recoveryNotice: {
    recovered: html`<strong>Tu cuenta se ha recuperado:</strong> se quitaron sus segundos factores. Configura uno nuevo abajo para continuar.`,
    inProgress: (when: SafeHtml) => html`<strong>Recuperación de la cuenta en curso:</strong> tus segundos factores se quitarán ${when}.`,
    on: (at: string) => html`el <strong>${at}</strong>`,
    atNextSignIn: 'en el próximo inicio de sesión con tu contraseña',
    ifNotYou: 'Si no la iniciaste tú, cancélala y cambia tu contraseña: alguien la conoce y puede leer tu correo.',
    cancel: 'Cancelar la recuperación',
  },
  enforce: {
    required: 'Aquí todas las cuentas necesitan la verificación en dos pasos. Añade una llave de acceso, una aplicación de autenticación o los códigos por mensaje de texto para continuar.',
    recovered: 'Tu cuenta se ha recuperado y se quitaron sus segundos factores. Configura un segundo factor nuevo para continuar.',
  },
  devVerify: {
    sms: (code: string) => `Tu código de verificación de Gatehouse es: ${code}`,
    call: (code: string) => `Llamada: "Tu código de verificación de Gatehouse es ${code.split('').join(' ')}."`,
  },
};
