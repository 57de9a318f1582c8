import { ChoiceContext } from '../choice-recorder.service';

export interface DesignateTreatingPhysicianCommand extends ChoiceContext {
  /** null: no treating physician any more. */
  rpps: string | null;
}
