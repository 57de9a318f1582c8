import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { AccessedEvent, RecordOpenedEvent } from '@dmp/contracts';
import { Ins } from '@dmp/domain';
import { TestApp, aPatient, aProfessional, anIns, anOperator, startTestApp, testConfig, tokenFor, waitFor } from '@dmp/testing';
import { AppModule } from '../src/app.module';
import { ConsentConfig } from '../src/config';
import { ConsentView } from '../src/patients/consent-view';
import { NotificationView } from '../src/notifications/notifications.dto';
import { EventProducer, accessed, http, recordOpened } from './consent-test-kit';

/**
 * A small real SMTP server: `flaky@` recipients are refused twice with 451 (try again later) then
 * accepted; `dead@` recipients are always refused with 550.
 */
class TestSmtpServer {
  readonly received: Array<{ to: string; data: string }> = [];
  private readonly refusals = new Map<string, number>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((socket) => this.converse(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private converse(socket: Socket): void {
    let buffer = '';
    let to = '';
    let inData = false;
    socket.write('220 test-smtp ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          this.received.push({ to, data: buffer.slice(0, end) });
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 queued\r\n');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (line.startsWith('EHLO')) socket.write('250-test-smtp\r\n250 8BITMIME\r\n');
        else if (line.startsWith('MAIL FROM')) socket.write('250 ok\r\n');
        else if (line.startsWith('RCPT TO')) {
          to = line.slice(9, -1).replace(/^</, '');
          const refused = this.refusals.get(to) ?? 0;
          if (to.startsWith('dead@')) socket.write('550 no such mailbox\r\n');
          else if (to.startsWith('flaky@') && refused < 2) {
            this.refusals.set(to, refused + 1);
            socket.write('451 try again later\r\n');
          } else socket.write('250 ok\r\n');
        } else if (line === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (line === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('500 what\r\n');
      }
    });
  }
}

describe('consent notifications through SMTP', () => {
  let sut: TestApp;
  let smtp: TestSmtpServer;
  let producer: EventProducer;
  const operator = tokenFor(anOperator());

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    const port = await smtp.listen();
    const config = await testConfig(ConsentConfig, {
      CONSENT_EMAIL_SENDER: 'smtp',
      CONSENT_SMTP_HOST: '127.0.0.1',
      CONSENT_SMTP_PORT: String(port),
      CONSENT_SMTP_FROM: 'no-reply@dmp.example',
      CONSENT_NOTIFICATION_POLL_MS: '50',
      CONSENT_NOTIFICATION_BACKOFF_MS: '100',
      CONSENT_NOTIFICATION_MAX_ATTEMPTS: '3',
    });
    sut = await startTestApp(AppModule.forRoot(config), config);
    producer = await EventProducer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await sut?.stop();
    await smtp?.close();
  });

  async function patientWithEmail(email: string): Promise<{ ins: Ins; token: string }> {
    const ins = anIns();
    const token = tokenFor(aPatient().withIns(ins));
    await producer.publish(RecordOpenedEvent, [recordOpened(ins, { email })]);
    await waitFor(async () => (await http<ConsentView>('GET', `${sut.url}/patients/${ins}/consent`, token)).body.recordStatus === 'open', { timeoutMs: 20_000 });
    const preferences = await http('PUT', `${sut.url}/patients/${ins}/consent/notification-preferences`, token, { channels: ['email'], notifyOnNewDocument: false });
    expect(preferences.status).toBe(200);
    return { ins, token };
  }

  async function firstAccessNotification(ins: Ins, token: string, done: (n: NotificationView) => boolean): Promise<NotificationView> {
    return waitFor(async () => {
      const list = (await http<NotificationView[]>('GET', `${sut.url}/patients/${ins}/notifications`, token)).body;
      const notification = list.find((n) => n.trigger === 'first-access');
      return notification && done(notification) ? notification : undefined;
    }, { timeoutMs: 20_000, message: 'the first-access notification to settle' });
  }

  it('retries an e-mail the server refuses for now, with backoff, and delivers it once', async () => {
    const email = `flaky@${anIns()}.example`;
    const { ins, token } = await patientWithEmail(email);

    await producer.publish(AccessedEvent, [accessed(ins, { rpps: aProfessional().build().rpps })]);

    const sent = await firstAccessNotification(ins, token, (n) => n.status === 'sent');
    expect(sent).toMatchObject({ channel: 'email', recipient: email, attempts: 3, lastError: null });
    const mails = smtp.received.filter((m) => m.to === email);
    expect(mails).toHaveLength(1);
    expect(mails[0].data).toContain(`Message-ID: <${sent.id}@dmp.example>`);
  });

  it('marks an e-mail the server refuses for good failed at once, and an operator can put it back in the queue', async () => {
    const email = `dead@${anIns()}.example`;
    const { ins, token } = await patientWithEmail(email);

    await producer.publish(AccessedEvent, [accessed(ins, { rpps: aProfessional().build().rpps })]);

    const failed = await firstAccessNotification(ins, token, (n) => n.status === 'failed');
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain('550');
    const retried = await http<NotificationView>('POST', `${sut.url}/notifications/${failed.id}/retry`, operator);
    expect(retried.body).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    await firstAccessNotification(ins, token, (n) => n.status === 'failed' && n.attempts === 1);
    expect((await http('POST', `${sut.url}/notifications/${failed.id}/retry`, token)).status).toBe(403);
  });
});
