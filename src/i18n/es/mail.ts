/** Español: el marco que comparten todos los correos (src/views/mail.ts). */
import type { Messages } from '../messages.js';

export const mail: Messages['mail'] = {
  hi: (firstName: string) => `Hola, ${firstName}:`,
  pasteLink: 'O pega este enlace en tu navegador:',
  signOff: '— Gatehouse',
  wasntMe: 'No fui yo: proteger mi cuenta',
  wasntMeLead: '¿No fuiste tú? Protege tu cuenta ahora: con un clic se cierran todas las sesiones y se deshacen los cambios recientes.',
  lateNotice:
    'Este correo te llega tarde, cuando su enlace «No fui yo» ya había caducado. Si lo que te cuenta no lo hiciste tú, elige una contraseña nueva ahora: así se cierran las sesiones en todos los dispositivos.',
  chooseNewPassword: 'Elegir una contraseña nueva',
  footer: 'Recibes este correo porque trata de tu cuenta de Gatehouse. Nunca te pediremos tu contraseña ni tus códigos por correo.',
  factorsReset: {
    subject: 'Se ha restablecido tu verificación en dos pasos',
    what: (at: string) =>
      `El ${at}, un administrador de Gatehouse quitó los segundos factores de tu cuenta: ` +
      'tu aplicación de autenticación, tus códigos por mensaje de texto y tus códigos de recuperación. ' +
      'Se han cerrado todas las sesiones abiertas en tu cuenta.',
    now: 'Ahora basta con tu contraseña para iniciar sesión. Vuelve a configurar la verificación en dos pasos en tu página de seguridad.',
    openSecurity: 'Abrir mi página de seguridad',
    ifNotYou: 'Si no lo pediste tú, puede que alguien esté intentando hacerse con tu cuenta.',
    resetPassword: 'Restablece tu contraseña',
  },
};
