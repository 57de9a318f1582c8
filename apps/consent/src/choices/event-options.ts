import { ChoiceContext } from './choice-recorder.service';

/** Options of createEvent for a patient choice. */
export function eventOptions(context: ChoiceContext): { producer: string; correlationId: string; key: string } {
  return { producer: 'consent', correlationId: context.correlationId, key: context.ins };
}
