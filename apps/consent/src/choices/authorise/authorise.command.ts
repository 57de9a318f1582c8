import { ChoiceContext } from '../choice-recorder.service';

export interface AuthoriseCommand extends ChoiceContext {
  grantee: { kind: 'professional'; rpps: string } | { kind: 'establishment'; finess: string };
}
