import { Module } from '@nestjs/common';
import { PatientsModule } from '../patients/patients.module';
import { ChoiceRecorder } from './choice-recorder.service';
import { ChoicesController } from './choices.controller';
import { AuthoriseUseCase } from './authorise/authorise.usecase';
import { RevokeAuthorisationUseCase } from './revoke-authorisation/revoke-authorisation.usecase';
import { BlockProfessionalUseCase } from './block-professional/block-professional.usecase';
import { UnblockProfessionalUseCase } from './unblock-professional/unblock-professional.usecase';
import { DesignateTreatingPhysicianUseCase } from './designate-treating-physician/designate-treating-physician.usecase';
import { ChangeEmergencyPreferencesUseCase } from './change-emergency-preferences/change-emergency-preferences.usecase';
import { ChangeNotificationPreferencesUseCase } from './change-notification-preferences/change-notification-preferences.usecase';

@Module({
  imports: [PatientsModule],
  controllers: [ChoicesController],
  providers: [
    ChoiceRecorder,
    AuthoriseUseCase,
    RevokeAuthorisationUseCase,
    BlockProfessionalUseCase,
    UnblockProfessionalUseCase,
    DesignateTreatingPhysicianUseCase,
    ChangeEmergencyPreferencesUseCase,
    ChangeNotificationPreferencesUseCase,
  ],
})
export class ChoicesModule {}
