import { ChoiceContext } from '../choice-recorder.service';

export interface BlockProfessionalCommand extends ChoiceContext {
  rpps: string;
}
