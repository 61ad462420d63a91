/** Español: lo que comparten todas las páginas (the frame, form pieces, times, error pages, home, dev outbox). */
import { largestWholeUnit, waitMinutes } from '../../lib/duration.js';
import { html } from '../../views/html.js';
import type { Messages } from '../messages.js';

/** "25 de noviembre de 2026, 19:33 UTC": made once, Intl formatters are slow to build. */
const exactFormat = new Intl.DateTimeFormat('es', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

const TIME_UNITS = {
  day: (n: number) => (n === 1 ? '1 día' : `${n} días`),
  hour: (n: number) => (n === 1 ? '1 hora' : `${n} horas`),
  minute: (n: number) => (n === 1 ? '1 minuto' : `${n} minutos`),
  second: (n: number) => (n === 1 ? '1 segundo' : `${n} segundos`),
};

export const common: Messages['common'] = {
  locale: 'es',
  appName: 'Gatehouse',
  layout: {
    title: (page: string) => `${page} · Gatehouse`,
    skipToContent: 'Saltar al contenido',
    mainNav: 'Principal',
    home: 'Inicio',
    profile: 'Perfil',
    security: 'Seguridad',
    signOut: 'Cerrar sesión',
    signIn: 'Iniciar sesión',
    register: 'Registrarse',
    console: 'Consola',
    devOutbox: 'Buzón de desarrollo',
    confirmEmailBanner: (maskedEmail: string) => html`<strong>Confirma tu correo electrónico</strong>: te enviamos un enlace a ${maskedEmail}.`,
    resend: 'Reenviar',
    language: 'Idioma',
  },
  forms: {
    fixThese: (count: number) => (count === 1 ? 'Corrige esto:' : 'Corrige estos puntos:'),
    verificationCode: 'Código de verificación',
    show: 'Mostrar',
    hide: 'Ocultar',
    passwordSuffix: ' contraseña',
    rememberDevice: 'Recordar este dispositivo durante 30 días',
    verify: 'Verificar',
  },
  time: {
    justNow: 'ahora mismo',
    exact: (at: number) => `${exactFormat.format(at)} UTC`,
    units: TIME_UNITS,
    duration: (ms: number) => {
      const { count, unit } = largestWholeUnit(ms);
      return TIME_UNITS[unit](count);
    },
    waitMinutes: (ms: number) => TIME_UNITS.minute(waitMinutes(ms)),
  },
  device: {
    unknownBrowser: 'Navegador desconocido',
    on: (browser: string, system: string) => `${browser} en ${system}`,
  },
  errors: {
    notFoundTitle: 'No encontrada',
    notFoundHeading: 'Página no encontrada',
    notFoundText: 'No hay nada en esta dirección. Puede que se haya movido o que el enlace esté mal escrito.',
    goHome: 'Ir a la página de inicio',
    notAllowedTitle: 'No permitido',
    notAllowedHeading: 'Esa acción no está disponible aquí',
    notAllowedText: (allowed: string) => `Esta dirección no acepta ese tipo de solicitud (acepta ${allowed}).`,
    refusedTitle: 'Solicitud rechazada',
    badRequestTitle: 'Solicitud incorrecta',
    badRequestHeading: 'Algo no está bien en esa solicitud',
    client: {
      400: 'No pudimos leer lo que envió tu navegador. Vuelve atrás, recarga la página e inténtalo de nuevo.',
      403: 'Este formulario ha caducado o no viene de este sitio. Vuelve atrás, recarga la página e inténtalo de nuevo.',
      413: 'Lo que enviaste es demasiado grande.',
      414: 'Esa dirección es demasiado larga.',
      415: 'Esta dirección solo acepta formularios enviados desde sus propias páginas.',
      408: 'Tu navegador tardó demasiado en enviar la solicitud. Inténtalo de nuevo.',
      431: 'Tu navegador envió unas cabeceras demasiado grandes, seguramente por tener demasiadas cookies. Borra las cookies de este sitio e inténtalo de nuevo.',
      other: 'No se pudo atender esa solicitud.',
    },
    errorTitle: 'Error',
    unavailableTitle: 'Servicio no disponible',
    unavailableText: 'Servicio no disponible; inténtalo de nuevo en un momento. Gatehouse no puede completar solicitudes ahora mismo; no se ha cambiado nada.',
    serverErrorHeading: 'Algo salió mal por nuestra parte',
    serverErrorText: 'No pudimos completar tu solicitud. No es culpa de nada que hicieras, y nada quedó guardado a medias: inténtalo de nuevo en un momento.',
    reference: 'Si sigue pasando, indícanos esta referencia:',
    busyTitle: 'Ocupado',
    busyHeading: 'Gatehouse está ocupado',
    busyText: 'Hay demasiadas personas iniciando sesión ahora mismo. Espera unos segundos e inténtalo de nuevo; no se ha cambiado nada.',
  },
  home: {
    title: 'Inicio',
    hi: (firstName: string) => `¡Hola, ${firstName}!`,
    signedInAs: (username: string) => html`Has iniciado sesión como <strong>${username}</strong>.`,
    yourProfile: 'Tu perfil',
    editProfile: 'Editar el perfil',
    twoFactorOn: html`La verificación en dos pasos está <strong>activada</strong>.`,
    manageTwoFactor: 'Gestiónala en la página de seguridad',
    turnOnTwoFactor: 'Activar la verificación en dos pasos',
  },
  devOutbox: {
    title: 'Buzón de desarrollo',
    heading: 'Buzón de desarrollo',
    intro: 'Lo que Gatehouse habría enviado por SMS, llamada y correo. Esta página solo existe fuera de producción.',
    empty: 'Todavía no se ha enviado nada.',
    kinds: { sms: 'SMS', call: 'Llamada', email: 'Correo' },
    to: 'a',
    viewHtml: 'Ver como HTML',
  },
};
