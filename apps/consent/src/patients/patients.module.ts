import { Module } from '@nestjs/common';
import { accessMatrixProvider, ACCESS_MATRIX } from './access-matrix.provider';
import { ConsentPatientsStore } from './consent-patients.store';

@Module({
  providers: [ConsentPatientsStore, accessMatrixProvider],
  exports: [ConsentPatientsStore, ACCESS_MATRIX],
})
export class PatientsModule {}
