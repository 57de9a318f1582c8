import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformModule } from '../../src';
import { CreateWidgets1764000000000 } from './1764000000000-create-widgets';
import { ReferenceConfig } from './reference.config';
import { WidgetEntity } from './widget.entity';
import { WidgetsController } from './widgets.controller';

export const referenceEntities = [WidgetEntity];
export const referenceMigrations = [CreateWidgets1764000000000];

/** The smallest service built the way the five services are: proves @dmp/platform end to end. */
@Module({})
export class ReferenceAppModule {
  static forRoot(config: ReferenceConfig): DynamicModule {
    return {
      module: ReferenceAppModule,
      imports: [
        PlatformModule.forService({
          serviceName: 'reference',
          config,
          entities: referenceEntities,
          migrations: referenceMigrations,
        }),
        TypeOrmModule.forFeature([WidgetEntity]),
      ],
      controllers: [WidgetsController],
    };
  }
}
