import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IMPORT_KINDS, IMPORT_MODES, ImportKind, ImportMode } from '../import-kinds';

export class ImportQuery {
  @ApiPropertyOptional({ enum: IMPORT_KINDS, example: 'records', description: 'or as a form field' })
  @IsOptional()
  @IsIn(IMPORT_KINDS)
  kind?: ImportKind;

  @ApiPropertyOptional({
    enum: IMPORT_MODES,
    default: 'partial',
    example: 'partial',
    description: 'all-or-nothing: any bad row rejects the whole file',
  })
  @IsOptional()
  @IsIn(IMPORT_MODES)
  mode?: ImportMode;
}

export class ImportErrorDto {
  @ApiProperty({ example: 17, description: 'line number in the file (the header is line 1)' }) row!: number;
  @ApiProperty({ example: 'uscc', nullable: true, type: String, description: 'the column, or null for the whole row' })
  field!: string | null;
  @ApiProperty({ example: 'must be a valid unified social credit code' }) message!: string;
}

export class ImportDto {
  @ApiProperty({ example: 'c7e2a1b4-3d5f-4e6a-8b9c-1d2e3f4a5b6c', format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'records', enum: IMPORT_KINDS }) kind!: ImportKind;
  @ApiProperty({ example: 'partial', enum: IMPORT_MODES }) mode!: ImportMode;
  @ApiProperty({ example: 'completed', enum: ['queued', 'running', 'completed', 'rejected', 'failed'] })
  status!: string;
  @ApiProperty({ example: '2026年3月监督抽查结果.csv' }) fileName!: string;
  @ApiProperty({ example: 48213 }) fileSize!: number;
  @ApiProperty({
    example: 500,
    nullable: true,
    type: Number,
    description: 'data rows in the file (estimated until done)',
  })
  totalRows!: number | null;
  @ApiProperty({ example: 500, description: 'rows read so far' }) processedRows!: number;
  @ApiProperty({ example: 497 }) importedRows!: number;
  @ApiProperty({ example: 0, description: 'good rows already in the registry (a re-import), not added again' })
  skippedRows!: number;
  @ApiProperty({ example: 3 }) rejectedRows!: number;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'why the whole file could not be imported' })
  failure!: string | null;
  @ApiProperty({ type: [ImportErrorDto], description: 'the first 1000 errors, by line' }) errors!: ImportErrorDto[];
  @ApiProperty({ example: '2026-03-16T01:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-16T01:00:01.000Z', nullable: true, type: Date }) startedAt!: Date | null;
  @ApiProperty({ example: '2026-03-16T01:00:04.000Z', nullable: true, type: Date }) finishedAt!: Date | null;
}
