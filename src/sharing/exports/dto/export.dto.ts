import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class ExportFileDto {
  @ApiProperty({ example: 'changes.csv.gz' }) name!: string;
  @ApiProperty({ example: 1250, description: 'data rows (a CSV file has a header row besides)' }) rows!: number;
  @ApiProperty({ example: 48213, description: 'size of the gzip file' }) bytes!: number;
  @ApiProperty({
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'hex SHA-256 of the gzip file as served',
  })
  sha256!: string;
}

export class ExportManifestDto {
  @ApiProperty({ example: 'PBOC' }) department!: string;
  @ApiProperty({ example: '2026-03-02', description: 'a day in Beijing time' }) date!: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timezone!: string;
  @ApiProperty({ example: '2026-03-01T16:00:00.000Z', description: "the day's start; changes from here" }) from!: Date;
  @ApiProperty({
    example: '2026-03-02T16:00:00.000Z',
    description: "the day's end; changes before it, grades and listings in force at it",
  })
  to!: Date;
  @ApiProperty({ example: '2026-03-02T17:05:00.000Z' }) generatedAt!: Date;
  @ApiProperty({
    type: [ExportFileDto],
    description: 'changes, grades and blacklist, each as .csv.gz and .ndjson.gz',
  })
  files!: ExportFileDto[];
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsInR5cCI6ImF1ZGl0LWNoZWNrcG9pbnQranNvbiJ9.eyJsZW5ndGgiOjEwNDJ9.c2ln',
    type: String,
    nullable: true,
    description:
      'the newest signed checkpoint of the audit chain when the day was written (compact JWS over {length, head, at}; see GET /api/v1/public/audit/checkpoints)',
  })
  auditCheckpoint!: string | null;
}

export class ExportDayDto {
  @ApiProperty({ example: '2026-03-02' }) date!: string;
  @ApiProperty({ example: '2026-03-02T17:05:00.000Z' }) generatedAt!: Date;
  @ApiProperty({
    example: ['changes.csv.gz', 'changes.ndjson.gz', 'grades.csv.gz', 'grades.ndjson.gz'],
    type: [String],
  })
  files!: string[];
}

export class ExportRunDto {
  @ApiProperty({ example: '43', description: 'the job writing the day again; follow it with GET /api/v1/jobs/{jobId}' })
  jobId!: string;
}

export class ExportRerunDto {
  @ApiPropertyOptional({
    example: false,
    default: false,
    description:
      "rewrite the day for every department, even where it is complete (its files' SHA-256 sums change, and partners may hold the old ones); by default only departments whose day is missing or incomplete get it",
  })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
