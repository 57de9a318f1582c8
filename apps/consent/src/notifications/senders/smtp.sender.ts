import { Socket, connect } from 'node:net';
import { NotificationChannel } from '@dmp/domain';
import { NotificationSender, OutgoingNotification, PermanentDeliveryError } from './notification-sender';

export interface SmtpSenderOptions {
  host: string;
  port: number;
  from: string;
  /** Name sent in EHLO. */
  heloName?: string;
  timeoutMs?: number;
}

/**
 * The production e-mail option: a minimal SMTP client on node:net (RFC 5321: EHLO, MAIL FROM,
 * RCPT TO, DATA, QUIT). Plain TCP without STARTTLS or AUTH: it is meant for a relay on the local
 * network (a postfix next to the service) that does TLS and authentication onwards. The
 * notification id is the Message-ID, so a message resent after a crash can be recognised.
 */
export class SmtpSender implements NotificationSender {
  readonly name = 'smtp';
  readonly channels = [NotificationChannel.EMAIL] as const;

  constructor(private readonly options: SmtpSenderOptions) {}

  async deliver(notification: OutgoingNotification): Promise<void> {
    const session = await SmtpSession.open(this.options.host, this.options.port, this.options.timeoutMs ?? 10_000);
    try {
      await session.expect(220);
      await session.command(`EHLO ${this.options.heloName ?? 'dmp-consent'}`, 250);
      await session.command(`MAIL FROM:<${this.options.from}>`, 250);
      await session.command(`RCPT TO:<${notification.recipient}>`, 250, 251);
      await session.command('DATA', 354);
      await session.command(`${formatMessage(this.options.from, notification)}\r\n.`, 250);
      await session.command('QUIT', 221).catch(() => undefined);
    } finally {
      session.close();
    }
  }
}

/** RFC 5322 message with dot-stuffing (lines starting with '.' get another '.'). */
export function formatMessage(from: string, notification: OutgoingNotification): string {
  const domain = from.includes('@') ? from.slice(from.indexOf('@') + 1) : 'dmp.localhost';
  const headers = [
    `From: <${from}>`,
    `To: <${notification.recipient}>`,
    `Subject: ${notification.subject.replace(/[\r\n]+/g, ' ')}`,
    `Message-ID: <${notification.id}@${domain}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ];
  const body = notification.body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** One SMTP conversation: reads multi-line replies (`250-...` then `250 ...`). */
class SmtpSession {
  private buffer = '';
  private waiting: { resolve: (reply: { code: number; text: string }) => void; reject: (error: Error) => void } | null = null;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.flush();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('timeout', () => this.fail(new Error('SMTP server timed out')));
    socket.on('close', () => this.fail(new Error('SMTP connection closed')));
  }

  static open(host: string, port: number, timeoutMs: number): Promise<SmtpSession> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setTimeout(timeoutMs);
      socket.once('connect', () => resolve(new SmtpSession(socket)));
      socket.once('error', reject);
    });
  }

  async command(line: string, ...accepted: number[]): Promise<void> {
    this.socket.write(`${line}\r\n`);
    await this.expect(...accepted);
  }

  async expect(...accepted: number[]): Promise<void> {
    const reply = await this.nextReply();
    if (accepted.includes(reply.code)) return;
    const message = `SMTP server answered ${reply.code} ${reply.text}`;
    // 5xx is a permanent refusal (RFC 5321 4.2.1); 4xx asks to try again later.
    throw reply.code >= 500 ? new PermanentDeliveryError(message) : new Error(message);
  }

  close(): void {
    this.socket.destroy();
  }

  private nextReply(): Promise<{ code: number; text: string }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.flush();
    });
  }

  private flush(): void {
    if (!this.waiting) return;
    const lines = this.buffer.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const match = /^(\d{3})([ -])(.*)$/.exec(lines[i]);
      if (match && match[2] === ' ') {
        const text = lines.slice(0, i + 1).map((l) => l.slice(4)).join(' ');
        this.buffer = lines.slice(i + 1).join('\r\n');
        const waiting = this.waiting;
        this.waiting = null;
        waiting.resolve({ code: Number(match[1]), text });
        return;
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }
}
