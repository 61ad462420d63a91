/** Español: lo que un proxy inverso muestra del forward-auth de Gatehouse (src/forward-auth/routes.ts), en texto plano. */
import type { Messages } from '../messages.js';

export const forwardAuth: Messages['forwardAuth'] = {
  forbidden: 'No tienes acceso a esta página. Si crees que deberías tenerlo, pregunta a quienes la administran.',
};
