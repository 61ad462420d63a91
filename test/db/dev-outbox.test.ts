import { describe, expect, it } from 'vitest';
import { addDevMessage, findDevMessage, listDevMessages, type NewDevMessage } from '../../src/db/dev-outbox.js';
import { forEachDatabase, useDatabase } from '../support/databases.js';

const T0 = Date.UTC(2026, 0, 1);

function devMessage(n: number, overrides: Partial<NewDevMessage> = {}): NewDevMessage {
  return { kind: 'sms', recipient: '+14155550100', subject: `SMS ${n}`, text_body: `Your code is ${n}`, html_body: null, created_at: T0 + n, ...overrides };
}

describe.each(forEachDatabase())('dev outbox on $name', (target) => {
  const handle = useDatabase(target);

  it('stores messages of every kind and finds one by id', async () => {
    const { db } = handle();
    await addDevMessage(db, devMessage(1));
    await addDevMessage(db, devMessage(2, { kind: 'email', recipient: 'a@example.com', html_body: '<p>hi</p>' }));
    await addDevMessage(db, devMessage(3, { kind: 'call' }));
    const [newest] = await listDevMessages(db, 1);
    expect(newest).toMatchObject({ kind: 'call', subject: 'SMS 3', created_at: T0 + 3 });
    const email = (await listDevMessages(db)).find((m) => m.kind === 'email');
    expect(email).toBeDefined();
    expect(await findDevMessage(db, email!.id)).toEqual({
      id: email!.id,
      kind: 'email',
      recipient: 'a@example.com',
      subject: 'SMS 2',
      text_body: 'Your code is 2',
      html_body: '<p>hi</p>',
      created_at: T0 + 2,
    });
    expect(await findDevMessage(db, email!.id + 1000)).toBeUndefined();
  });

  it('lists newest first, up to the limit', async () => {
    const { db } = handle();
    for (let n = 1; n <= 5; n++) await addDevMessage(db, devMessage(n));
    expect((await listDevMessages(db)).map((m) => m.subject)).toEqual(['SMS 5', 'SMS 4', 'SMS 3', 'SMS 2', 'SMS 1']);
    expect((await listDevMessages(db, 2)).map((m) => m.subject)).toEqual(['SMS 5', 'SMS 4']);
  });

  it('keeps far-future times exact', async () => {
    const { db } = handle();
    const far = Date.UTC(2100, 0, 1);
    await addDevMessage(db, devMessage(1, { created_at: far }));
    const [m] = await listDevMessages(db);
    expect(m?.created_at).toBe(far);
    expect(typeof m?.created_at).toBe('number');
  });
});
