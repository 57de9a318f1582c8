import { OpsConsumerLagEntity } from './ops-consumer-lag.entity';
import { OpsConsumerOffsetEntity } from './ops-consumer-offset.entity';
import { OpsDeadLetterEntity } from './ops-dead-letter.entity';
import { OpsInstanceEntity } from './ops-instance.entity';

export const opsEntities = [OpsInstanceEntity, OpsDeadLetterEntity, OpsConsumerOffsetEntity, OpsConsumerLagEntity];
