/** Spanish: text-message codes as a second factor (see src/i18n/en/sms.ts for where each message appears). */
import type { Messages } from '../messages.js';

export const sms: Messages['sms'] = {
  enable: {
    title: 'Verificación en dos pasos',
    backupTitle: 'Añadir un teléfono de respaldo',
    heading: 'Activar la verificación en dos pasos',
    changeHeading: 'Cambiar el teléfono de la verificación en dos pasos',
    backupHeading: 'Añadir un teléfono de respaldo',
    intro:
      'Cada vez que inicies sesión, después de tu contraseña te enviaremos un código de 6 dígitos al teléfono. Así, quien descubra tu contraseña seguirá sin poder entrar.',
    changeIntro: 'Los códigos para iniciar sesión irán al número nuevo en cuanto escribas el código que te enviemos a él.',
    backupIntro:
      'Si pierdes tu teléfono principal o se queda sin cobertura, podremos enviarte el código a este número al iniciar sesión. Funcionará en cuanto escribas el código que te enviemos a él.',
    phoneLabel: 'Número de teléfono móvil',
    changePhoneLabel: 'Nuevo número de teléfono móvil',
    backupPhoneLabel: 'Número del teléfono de respaldo',
    phoneHint: 'Con el prefijo del país, por ejemplo +34 612 345 678.',
    changeCountry: 'cambiar el país del número de teléfono',
    currentPassword: 'Contraseña actual',
    currentPasswordHint: 'Para asegurarnos de que eres tú.',
    textMe: 'Envíame un código por SMS',
    notNow: 'Ahora no',
    keepCurrentPhone: 'Mantener mi teléfono actual',
    alreadyYourPhone: 'Ese ya es tu teléfono de la verificación en dos pasos.',
    alreadyYourBackup: 'Ese ya es tu teléfono de respaldo.',
    needsMainPhone: 'El teléfono de respaldo acompaña a los códigos por mensaje de texto: activa esos códigos primero.',
  },
  confirm: {
    title: 'Confirma tu teléfono',
    introEnable: (masked) => `Te hemos enviado un código de 6 dígitos al ${masked}. Escríbelo aquí para activar la verificación en dos pasos.`,
    introChange: (masked) => `Te hemos enviado un código de 6 dígitos al ${masked}. Escríbelo aquí para recibir en este teléfono los códigos para iniciar sesión.`,
    introBackup: (masked) => `Te hemos enviado un código de 6 dígitos al ${masked}. Escríbelo aquí para usarlo como tu teléfono de respaldo.`,
    differentNumber: 'Usar otro número',
    expired: 'Esa solicitud de código ha caducado. Vuelve a escribir tu número.',
    tooManyWrong: 'Demasiados códigos incorrectos. Vuelve a escribir tu número para recibir un código nuevo.',
  },
  done: {
    enabled: 'La verificación en dos pasos está activada. A partir de ahora, al iniciar sesión te pediremos un código enviado a tu teléfono.',
    changed: 'Se ha cambiado el teléfono de tu verificación en dos pasos.',
    backupAdded: 'Se ha añadido tu teléfono de respaldo. Si pierdes tu teléfono principal, podremos enviarte allí los códigos para iniciar sesión.',
    backupRemoved: 'Se ha quitado el teléfono de respaldo.',
    disabled: 'La verificación en dos pasos está desactivada.',
  },
  disable: {
    title: 'Desactivar la verificación en dos pasos',
    heading: 'Desactivar la verificación en dos pasos',
    intro: 'Sin ella, bastará tu contraseña para que cualquiera entre en tu cuenta. Para confirmar, escribe tu contraseña.',
    currentPassword: 'Contraseña actual',
    submit: 'Desactivar la verificación en dos pasos',
    keepOn: 'Mantenerla activada',
  },
  mail: {
    enabled: {
      subject: 'La verificación en dos pasos está activada',
      heading: 'La verificación en dos pasos está activada',
      what: (at, masked) =>
        `El ${at}, se activó la verificación en dos pasos en tu cuenta de Gatehouse. Los códigos para iniciar sesión se envían al ${masked}.`,
    },
    phoneChanged: {
      subject: 'Se ha cambiado el número de teléfono de tu verificación en dos pasos',
      heading: 'Se ha cambiado el número de teléfono de tu verificación en dos pasos',
      what: (at, masked) => `El ${at}, el teléfono que recibe tus códigos de Gatehouse para iniciar sesión se cambió al ${masked}.`,
    },
    disabled: {
      subject: 'Se ha desactivado la verificación en dos pasos',
      heading: 'Se ha desactivado la verificación en dos pasos',
      what: (at) => `El ${at}, se desactivó la verificación en dos pasos en tu cuenta de Gatehouse. Ahora basta con tu contraseña para iniciar sesión.`,
    },
    backupAdded: {
      subject: 'Aviso de seguridad de Gatehouse: se ha añadido un teléfono de respaldo',
      heading: 'Se ha añadido un teléfono de respaldo',
      what: (at, masked) =>
        `El ${at}, se añadió el ${masked} a tu cuenta de Gatehouse como teléfono de respaldo: los códigos para iniciar sesión también se pueden enviar allí.`,
    },
    backupRemoved: {
      subject: 'Aviso de seguridad de Gatehouse: se ha quitado tu teléfono de respaldo',
      heading: 'Se ha quitado tu teléfono de respaldo',
      what: (at) => `El ${at}, se quitó el teléfono de respaldo de tu cuenta de Gatehouse. Los códigos para iniciar sesión se envían solo a tu teléfono principal.`,
    },
  },
};
