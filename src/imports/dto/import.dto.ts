import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IMPORT_KINDS, IMPORT_MODES, ImportKind, ImportMode } from '../import-kinds';

export class ImportQuery {
  @ApiPropertyOptional({ enum: IMPORT_KINDS, description: 'or as a form field' })
  @IsOptional()
  @IsIn(IMPORT_KINDS)
  kind?: ImportKind;

  @ApiPropertyOptional({
    enum: IMPORT_MODES,
    default: 'partial',
    description: 'all-or-nothing: any bad row rejects the whole file',
  })
  @IsOptional()
  @IsIn(IMPORT_MODES)
  mode?: ImportMode;
}

export class ImportErrorDto {
  @ApiProperty({ description: 'line number in the file (the header is line 1)' }) row!: number;
  @ApiProperty({ nullable: true, type: String, description: 'the column, or null for the whole row' }) field!:
    string | null;
  @ApiProperty() message!: string;
}

export class ImportDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: IMPORT_KINDS }) kind!: ImportKind;
  @ApiProperty({ enum: IMPORT_MODES }) mode!: ImportMode;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'rejected', 'failed'] }) status!: string;
  @ApiProperty() fileName!: string;
  @ApiProperty() fileSize!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'data rows in the file (estimated until done)' })
  totalRows!: number | null;
  @ApiProperty({ description: 'rows read so far' }) processedRows!: number;
  @ApiProperty() importedRows!: number;
  @ApiProperty({ description: 'good rows already in the registry (a re-import), not added again' })
  skippedRows!: number;
  @ApiProperty() rejectedRows!: number;
  @ApiProperty({ nullable: true, type: String, description: 'why the whole file could not be imported' }) failure!:
    string | null;
  @ApiProperty({ type: [ImportErrorDto], description: 'the first 1000 errors, by line' }) errors!: ImportErrorDto[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) startedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt!: Date | null;
}
