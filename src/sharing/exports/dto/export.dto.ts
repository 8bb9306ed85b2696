import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class ExportFileDto {
  @ApiProperty({ example: 'changes.csv.gz' }) name!: string;
  @ApiProperty({ description: 'data rows (a CSV file has a header row besides)' }) rows!: number;
  @ApiProperty({ description: 'size of the gzip file' }) bytes!: number;
  @ApiProperty({ description: 'hex SHA-256 of the gzip file as served' }) sha256!: string;
}

export class ExportManifestDto {
  @ApiProperty({ example: 'PBOC' }) department!: string;
  @ApiProperty({ example: '2026-03-02', description: 'a day in Beijing time' }) date!: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timezone!: string;
  @ApiProperty({ description: "the day's start; changes from here" }) from!: Date;
  @ApiProperty({ description: "the day's end; changes before it, grades and listings in force at it" }) to!: Date;
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({
    type: [ExportFileDto],
    description: 'changes, grades and blacklist, each as .csv.gz and .ndjson.gz',
  })
  files!: ExportFileDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'the newest signed checkpoint of the audit chain when the day was written (compact JWS over {length, head, at}; see GET /api/v1/public/audit/checkpoints)',
  })
  auditCheckpoint!: string | null;
}

export class ExportDayDto {
  @ApiProperty({ example: '2026-03-02' }) date!: string;
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({ type: [String] }) files!: string[];
}

export class ExportRunDto {
  @ApiProperty({ description: 'the job writing the day again; follow it with GET /api/v1/jobs/{jobId}' })
  jobId!: string;
}

export class ExportRerunDto {
  @ApiPropertyOptional({
    default: false,
    description:
      "rewrite the day for every department, even where it is complete (its files' SHA-256 sums change, and partners may hold the old ones); by default only departments whose day is missing or incomplete get it",
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
