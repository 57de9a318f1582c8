import { Module } from '@nestjs/common';
import { ConsumerLagPoller } from './consumer-lag.poller';
import { OpsEventsConsumer } from './ops-events.consumer';
import { OpsMetrics } from './ops-metrics.service';
import { OpsStatusService } from './ops-status.service';
import { OpsController } from './ops.controller';

/**
 * The operators' view of the suite, built from events only: heartbeats, dead letters and the
 * brokers' offsets; analytics never reads another service's database.
 */
@Module({
  controllers: [OpsController],
  providers: [OpsEventsConsumer, ConsumerLagPoller, OpsStatusService, OpsMetrics],
  exports: [OpsStatusService, OpsEventsConsumer, ConsumerLagPoller],
})
export class OpsModule {}
