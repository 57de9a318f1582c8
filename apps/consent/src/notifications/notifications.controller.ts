import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Actor, CurrentActor, Roles, Role } from '@dmp/auth';
import { ConsentErrorCode, ConsentException } from '../patients/consent.exception';
import { InsParamPipe } from '../patients/ins-param.pipe';
import { assertMayReadPatient } from '../patients/patient-access.policy';
import { MailboxMessageEntity } from './mailbox-message.entity';
import { NotificationEntity } from './notification.entity';
import { returningRows } from '../database/returning';
import { LimitQuery } from '../common/limit-query.dto';
import { MailboxMessageView, MailboxQuery, NotificationView } from './notifications.dto';

function toView(n: NotificationEntity): NotificationView {
  return {
    id: n.id,
    ins: n.ins,
    trigger: n.trigger,
    dedupKey: n.dedupKey,
    channel: n.channel,
    recipient: n.recipient,
    subject: n.subject,
    status: n.status,
    attempts: n.attempts,
    lastError: n.lastError,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt ? n.sentAt.toISOString() : null,
    nextAttemptAt: n.status === 'pending' ? n.nextAttemptAt.toISOString() : null,
  };
}

function toMessage(m: MailboxMessageEntity): MailboxMessageView {
  return { notificationId: m.notificationId, ins: m.ins, channel: m.channel, recipient: m.recipient, subject: m.subject, body: m.body, deliveredAt: m.deliveredAt.toISOString() };
}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(private readonly dataSource: DataSource) {}

  /** The patient's notifications with their delivery status, newest first. */
  @Get('patients/:ins/notifications')
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.OPERATOR)
  @ApiOkResponse({ type: [NotificationView] })
  async list(@Param('ins', InsParamPipe) ins: string, @Query() query: LimitQuery, @CurrentActor() actor: Actor): Promise<NotificationView[]> {
    assertMayReadPatient(actor, ins);
    const rows = await this.dataSource.getRepository(NotificationEntity).find({ where: { ins }, order: { createdAt: 'DESC', id: 'DESC' }, take: query.limit ?? 50 });
    return rows.map(toView);
  }

  /** The local mailbox of the patient (every channel, as delivered by the embedded sender): their in-app inbox. */
  @Get('patients/:ins/mailbox')
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.OPERATOR)
  @ApiOkResponse({ type: [MailboxMessageView] })
  async mailbox(@Param('ins', InsParamPipe) ins: string, @Query() query: LimitQuery, @CurrentActor() actor: Actor): Promise<MailboxMessageView[]> {
    assertMayReadPatient(actor, ins);
    const rows = await this.dataSource.getRepository(MailboxMessageEntity).find({ where: { ins }, order: { deliveredAt: 'DESC' }, take: query.limit ?? 50 });
    return rows.map(toMessage);
  }

  /** The local mailbox of one address (e-mail, mobile, or INS), for support and demonstrations. */
  @Get('mailbox')
  @Roles(Role.OPERATOR)
  @ApiOkResponse({ type: [MailboxMessageView] })
  async mailboxOf(@Query() query: MailboxQuery): Promise<MailboxMessageView[]> {
    const rows = await this.dataSource.getRepository(MailboxMessageEntity).find({ where: { recipient: query.recipient }, order: { deliveredAt: 'DESC' }, take: query.limit ?? 50 });
    return rows.map(toMessage);
  }

  /** Delivery status of one notification. */
  @Get('notifications/:id')
  @Roles(Role.PATIENT, Role.LEGAL_REPRESENTATIVE, Role.OPERATOR)
  @ApiOkResponse({ type: NotificationView })
  async status(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @CurrentActor() actor: Actor): Promise<NotificationView> {
    const row = await this.dataSource.getRepository(NotificationEntity).findOne({ where: { id } });
    if (!row) throw new ConsentException(ConsentErrorCode.NOTIFICATION_NOT_FOUND);
    assertMayReadPatient(actor, row.ins);
    return toView(row);
  }

  /** Puts a failed notification back in the queue (after fixing a contact or a sender). */
  @Post('notifications/:id/retry')
  @HttpCode(200)
  @Roles(Role.OPERATOR)
  @ApiOkResponse({ type: NotificationView })
  async retry(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<NotificationView> {
    // One transaction: the row stays locked until the view is read, so the worker (SKIP LOCKED)
    // cannot claim it in between and the answer shows the state the retry left.
    return this.dataSource.transaction(async (manager) => {
      const updated = returningRows<{ id: string }>(
        await manager.query(`UPDATE notifications SET status = 'pending', attempts = 0, last_error = NULL, next_attempt_at = now() WHERE id = $1 AND status = 'failed' RETURNING id`, [id]),
      );
      const row = await manager.getRepository(NotificationEntity).findOne({ where: { id } });
      if (!row) throw new ConsentException(ConsentErrorCode.NOTIFICATION_NOT_FOUND);
      if (updated.length === 0) throw new ConsentException(ConsentErrorCode.NOTIFICATION_NOT_FAILED);
      return toView(row);
    });
  }
}
