import { readFileSync } from 'node:fs';
import { Provider } from '@nestjs/common';
import { CompiledMatrix, defaultCompiledMatrix, loadMatrix } from '@dmp/access-rules';
import { SERVICE_CONFIG } from '@dmp/platform';
import { ConsentConfig } from '../config';

export const ACCESS_MATRIX = Symbol('ACCESS_MATRIX');

/** The access matrix in force: CONSENT_ACCESS_MATRIX_FILE when set (validated: a bad file stops the boot), else the default. */
export function accessMatrixFromConfig(config: ConsentConfig): CompiledMatrix {
  const file = config.CONSENT_ACCESS_MATRIX_FILE;
  return file ? loadMatrix(readFileSync(file, 'utf8')) : defaultCompiledMatrix;
}

export const accessMatrixProvider: Provider = {
  provide: ACCESS_MATRIX,
  inject: [SERVICE_CONFIG],
  useFactory: (config: ConsentConfig) => accessMatrixFromConfig(config),
};
