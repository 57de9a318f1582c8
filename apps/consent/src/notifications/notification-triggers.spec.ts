import { NotificationChannel } from '@dmp/domain';
import { deliveriesFor, emergencyAccessKey, firstAccessKey } from './notification-triggers';

const ins = '277028690570430';

describe(deliveriesFor.name, () => {
  it.each([
    { name: 'goes in-app when the patient is not known yet', patient: undefined, expected: [{ channel: 'in-app', recipient: ins }] },
    { name: 'goes in-app when no channel is chosen', patient: { channels: [], email: 'a@b.fr', mobile: null }, expected: [{ channel: 'in-app', recipient: ins }] },
    {
      name: 'follows every chosen channel that has a contact',
      patient: { channels: [NotificationChannel.EMAIL, NotificationChannel.SMS], email: 'a@b.fr', mobile: '+33612345678' },
      expected: [{ channel: 'email', recipient: 'a@b.fr' }, { channel: 'sms', recipient: '+33612345678' }],
    },
    { name: 'skips a channel without its contact', patient: { channels: [NotificationChannel.EMAIL, NotificationChannel.SMS], email: 'a@b.fr', mobile: null }, expected: [{ channel: 'email', recipient: 'a@b.fr' }] },
    { name: 'falls back to in-app when no chosen channel is reachable', patient: { channels: [NotificationChannel.SMS], email: null, mobile: null }, expected: [{ channel: 'in-app', recipient: ins }] },
  ])('$name', ({ patient, expected }) => {
    expect(deliveriesFor(ins, patient)).toEqual(expected);
  });
});

describe('dedup keys', () => {
  it('keys a first access by patient and professional only, so any later access maps to the same key', () => {
    expect(firstAccessKey(ins, 'professional', '10003456789')).toBe(`first-access:${ins}:10003456789`);
    expect(firstAccessKey(ins, 'establishment', '750712184')).toBe(`first-access:${ins}:establishment:750712184`);
  });

  it('keys an emergency access by the access itself, so every one notifies', () => {
    expect(emergencyAccessKey('a')).not.toBe(emergencyAccessKey('b'));
  });
});
