import { BlockProfessionalCommand } from '../block-professional/block-professional.command';

export type UnblockProfessionalCommand = BlockProfessionalCommand;
