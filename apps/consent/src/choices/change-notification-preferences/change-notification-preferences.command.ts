import { NotificationChannel } from '@dmp/domain';
import { ChoiceContext } from '../choice-recorder.service';

export interface ChangeNotificationPreferencesCommand extends ChoiceContext {
  channels: NotificationChannel[];
  notifyOnNewDocument: boolean;
  /** Replaces the contacts when given. */
  contacts?: { email?: string; mobile?: string };
}
