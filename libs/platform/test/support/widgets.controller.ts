import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString, Length, ValidateNested } from 'class-validator';
import { Repository } from 'typeorm';
import { DomainException } from '../../src';
import { WidgetEntity } from './widget.entity';
import { ReferenceConfig } from './reference.config';

export class TagDto {
  @IsString()
  @Length(1, 20)
  label!: string;
}

export class CreateWidgetDto {
  @IsString()
  @Length(1, 50)
  name!: string;

  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => TagDto)
  tags!: TagDto[];
}

export class WidgetNotFoundException extends DomainException {
  constructor(id: string) {
    super('WIDGET_NOT_FOUND', `no widget ${id}`, 404);
  }
}

/** A minimal feature proving the platform: validation, domain errors, persistence, config injection. */
@Controller('widgets')
export class WidgetsController {
  constructor(
    @InjectRepository(WidgetEntity) private readonly widgets: Repository<WidgetEntity>,
    private readonly config: ReferenceConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateWidgetDto): Promise<{ id: string; greeting: string }> {
    const saved = await this.widgets.save(this.widgets.create({ name: dto.name, tags: dto.tags.map((t) => t.label) }));
    return { id: saved.id, greeting: this.config.REFERENCE_GREETING };
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail');
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<WidgetEntity> {
    const widget = await this.widgets.findOneBy({ id });
    if (!widget) throw new WidgetNotFoundException(id);
    return widget;
  }
}
