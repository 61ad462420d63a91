/** Español: lo que dice un campo cuando su valor incumple una regla (src/auth/account-rules.ts). */
import { ABOUT_ME_MAX_CHARACTERS, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, NAME_MAX_CHARACTERS } from '../../lib/field-limits.js';
import type { Messages } from '../messages.js';

export const problems: Messages['problems'] = {
  usernamePattern: 'Usa de 3 a 32 caracteres: letras, cifras, "_", "-" o ".".',
  firstNameMissing: 'Escribe tu nombre.',
  lastNameMissing: 'Escribe tus apellidos.',
  nameTooLong: `Usa como máximo ${NAME_MAX_CHARACTERS} caracteres.`,
  emailTooLong: 'Esa dirección de correo electrónico es demasiado larga.',
  emailInvalid: 'Escribe una dirección de correo electrónico como nombre@example.com.',
  aboutMeTooLong: `Usa como máximo ${ABOUT_ME_MAX_CHARACTERS} caracteres.`,
  passwordsDiffer: 'Las dos contraseñas no coinciden.',
  passwordTooShort: `Usa al menos ${MIN_PASSWORD_LENGTH} caracteres. Unas cuantas palabras sin relación forman una contraseña larga y fácil de recordar.`,
  passwordTooLong: `Usa como máximo ${MAX_PASSWORD_LENGTH} caracteres.`,
  passwordCommon: 'Es una de las contraseñas más comunes, así que los atacantes la prueban primero. Elige algo menos previsible, como unas cuantas palabras sin relación.',
  passwordRepetitive: 'Esta contraseña repite un patrón corto o común, lo que la hace fácil de adivinar. Elige algo menos previsible.',
  passwordHasAppName: 'Tu contraseña no debe contener "Gatehouse": es la primera palabra que probaría un atacante aquí.',
  passwordHasUsername: 'Tu contraseña no debe contener tu nombre de usuario: quien lo conozca lo probaría.',
  passwordHasEmail: 'Tu contraseña no debe contener tu dirección de correo electrónico: quien la conozca la probaría.',
  passwordBreached: 'Esta contraseña ha aparecido en una filtración de datos, así que los atacantes la prueban. Elige otra.',
  newPasswordHint:
    `Al menos ${MIN_PASSWORD_LENGTH} caracteres, porque tu contraseña puede ser lo único que protege tu cuenta. ` +
    'Prueba una frase de contraseña: cuatro o más palabras sin relación, con espacios si quieres. Vale cualquier carácter, también emojis.',
};
