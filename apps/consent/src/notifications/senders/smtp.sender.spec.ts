import { NotificationChannel } from '@dmp/domain';
import { formatMessage } from './smtp.sender';

describe(formatMessage.name, () => {
  const notification = {
    id: '7d1f6b1e-2f8a-4d3c-9a51-0d1b2c3d4e5f',
    ins: '277028690570430',
    channel: NotificationChannel.EMAIL,
    trigger: 'first-access',
    dedupKey: 'first-access:x:y',
    recipient: 'patient@example.org',
    subject: 'A professional read\r\nyour DMP',
    body: 'line one\n.starts with a dot\nend',
  };

  it('uses the notification id as Message-ID so that a resend can be recognised', () => {
    expect(formatMessage('no-reply@dmp.example', notification)).toContain('Message-ID: <7d1f6b1e-2f8a-4d3c-9a51-0d1b2c3d4e5f@dmp.example>');
  });

  it('keeps the subject on one header line and dot-stuffs the body', () => {
    const sut = formatMessage('no-reply@dmp.example', notification);

    expect(sut).toContain('Subject: A professional read your DMP\r\n');
    expect(sut.endsWith('\r\n\r\nline one\r\n..starts with a dot\r\nend')).toBe(true);
  });
});
