import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** GET /dashboard: the operators' page (assets/), which draws GET /ops/status. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
