/** Español: iniciar sesión en otras aplicaciones con Gatehouse (el proveedor OpenID Connect, src/oidc). */
import type { Messages } from '../messages.js';

export const apps: Messages['apps'] = {
  continuing: {
    title: 'Continuando',
    heading: (app: string) => `Iniciando tu sesión en ${app}`,
    text: 'Esto tarda un momento. Si no pasa nada, usa el enlace de abajo.',
    link: (app: string) => `Continuar a ${app}`,
  },
  consent: {
    title: '¿Permitir el acceso?',
    heading: (app: string) => `¿Permitir que ${app} vea tu cuenta?`,
    headingMore: (app: string) => `${app} pide ver más`,
    intro: (app: string, user: string) => `${app} quiere iniciar tu sesión como ${user}. Si lo permites, podrá:`,
    introMore: (app: string) => `Ya le diste a ${app} algo de acceso. Ahora también quiere:`,
    scopes: {
      openid: 'Saber que eres tú: un identificador de tu cuenta de Gatehouse, y cuándo y cómo iniciaste sesión',
      profile: 'Ver tu nombre, tu nombre de usuario, tu foto de perfil y tu idioma',
      email: 'Ver tu dirección de correo y si la confirmaste',
      groups: 'Ver los grupos a los que perteneces',
      offline_access: 'Mantener la sesión iniciada: conservar el acceso a lo anterior cuando no estás, hasta que lo quites',
    },
    notYou: (user: string) => `¿No eres ${user}? Deniega y después cierra la sesión de Gatehouse.`,
    removeLater: 'Puedes quitarle el acceso cuando quieras en tu página de seguridad.',
    allow: 'Permitir',
    deny: 'Denegar',
  },
  expired: {
    title: 'Solicitud de inicio de sesión caducada',
    heading: 'Esta solicitud de inicio de sesión ha caducado',
    text: 'Es demasiado antigua o ya se usó. Vuelve a la aplicación e inicia sesión de nuevo.',
  },
  refused: {
    title: 'Solicitud de inicio de sesión rechazada',
    heading: 'Gatehouse no puede aceptar esta solicitud de inicio de sesión',
    text: 'La aplicación que te envió aquí pidió algo que Gatehouse no permite, así que no se compartió nada con ella. Si te encargas de esa aplicación, los detalles de abajo indican qué corregir.',
    details: 'Detalles para quien desarrolla la aplicación',
  },
  logout: {
    title: 'Cerrar sesión',
    heading: '¿Cerrar también la sesión de Gatehouse?',
    text: (app: string | null) =>
      app === null
        ? 'Una aplicación pidió cerrar tu sesión. También puedes cerrar la sesión de Gatehouse y la de todas las aplicaciones en las que entraste con él en este navegador.'
        : `${app} pidió cerrar tu sesión. También puedes cerrar la sesión de Gatehouse y la de todas las aplicaciones en las que entraste con él en este navegador.`,
    signOutBoth: (app: string | null) => (app === null ? 'Cerrar sesión en Gatehouse' : `Cerrar sesión en Gatehouse y en ${app}`),
    stay: 'Seguir con la sesión de Gatehouse abierta',
  },
  signedOut: {
    title: 'Sesión cerrada',
    heading: 'Has cerrado la sesión',
    everywhere: 'Cerraste la sesión de Gatehouse y la de las aplicaciones en las que entraste con él en este navegador.',
    ofApp: (app: string) => `Cerraste la sesión de ${app}. Sigues con la sesión de Gatehouse abierta.`,
    signInAgain: 'Iniciar sesión de nuevo',
  },
};
