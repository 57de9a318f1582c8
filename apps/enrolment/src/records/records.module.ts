import { Module } from '@nestjs/common';
import { ChangeEmergencyChoicesUseCase } from './change-emergency-choices/change-emergency-choices.usecase';
import { ChangeRepresentativesUseCase } from './change-representatives/change-representatives.usecase';
import { CloseRecordUseCase } from './close-record/close-record.usecase';
import { OpenRecordUseCase } from './open-record/open-record.usecase';
import { ReactivateRecordUseCase } from './reactivate-record/reactivate-record.usecase';
import { RecordStore } from './record-store';
import { RecordsController } from './records.controller';
import { TransferAtMajorityUseCase } from './transfer-at-majority/transfer-at-majority.usecase';
import { UpdateContactsUseCase } from './update-contacts/update-contacts.usecase';
import { UpdateIdentityUseCase } from './update-identity/update-identity.usecase';

@Module({
  controllers: [RecordsController],
  providers: [
    RecordStore,
    OpenRecordUseCase,
    CloseRecordUseCase,
    ReactivateRecordUseCase,
    UpdateContactsUseCase,
    UpdateIdentityUseCase,
    ChangeEmergencyChoicesUseCase,
    ChangeRepresentativesUseCase,
    TransferAtMajorityUseCase,
  ],
  exports: [OpenRecordUseCase],
})
export class RecordsModule {}
