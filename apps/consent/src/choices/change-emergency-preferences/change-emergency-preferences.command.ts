import { ChoiceContext } from '../choice-recorder.service';

export interface ChangeEmergencyPreferencesCommand extends ChoiceContext {
  /** false: the patient refuses emergency access ("bris de glace"). */
  emergencyAccess: boolean;
  /** false: the patient refuses access by SAMU regulation. */
  samuRegulationAccess: boolean;
}
