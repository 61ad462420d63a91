/** The English catalogue: the source language, whose shape every other catalogue must match. */
import { account } from './account.js';
import { admin } from './admin.js';
import { apps } from './apps.js';
import { codes } from './codes.js';
import { common } from './common.js';
import { forwardAuth } from './forward-auth.js';
import { login } from './login.js';
import { mail } from './mail.js';
import { problems } from './problems.js';
import { recovery } from './recovery.js';
import { reset } from './reset.js';
import { security } from './security.js';
import { sms } from './sms.js';

export const en = { common, problems, codes, mail, account, login, reset, recovery, security, sms, apps, forwardAuth, admin };
