import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsISO8601, IsOptional } from 'class-validator';
import { GRADES, Grade } from '../../classification/rule-set';
import { PURPOSES, Purpose } from '../purposes';
import { IsCodeList } from './code-list';

export const MAX_BATCH = 10_000;

export const AS_OF_DESCRIPTION =
  'answer as of this time (ISO 8601; a bare date means 00:00 Beijing time that day), from the grade history and ' +
  'the listing periods; not in the future. Without it, the current status.';
const AS_OF = { description: AS_OF_DESCRIPTION, example: '2026-03-01' };

export class BatchStatusRequestDto {
  @ApiProperty({
    example: 'loan_application',
    enum: PURPOSES,
    description: 'why the institution asks; logged with each code answered',
  })
  @IsIn(PURPOSES)
  purpose!: Purpose;

  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_BATCH,
    example: ['91330100799655058B', '91110000802100433B'],
    description: 'credit codes; answered in this order, each once',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @IsCodeList()
  usccs!: string[];

  @ApiPropertyOptional(AS_OF)
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class StatusBlacklistEntryDto {
  @ApiProperty({ example: '17' }) id!: string;
  @ApiProperty({ example: 'substandard_products' }) reasonCode!: string;
  @ApiProperty({ example: '2026-03-20T01:00:00.000Z' }) publishedAt!: Date;
  @ApiProperty({ example: '2029-03-20T16:00:00.000Z' }) expiresAt!: Date;
}

export class CreditStatusDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({
    example: 'D',
    enum: GRADES,
    nullable: true,
    description: 'null when the enterprise was not graded (yet, or then)',
  })
  grade!: Grade | null;
  @ApiProperty({ example: 1, nullable: true, type: Number }) ruleSetVersion!: number | null;
  @ApiProperty({ example: true, description: 'on the published product-quality blacklist' }) blacklisted!: boolean;
  @ApiProperty({ type: [StatusBlacklistEntryDto], description: 'the published entries in force' })
  blacklistEntries!: StatusBlacklistEntryDto[];
  @ApiProperty({
    format: 'date-time',
    example: '2026-03-01T00:00:00.000Z',
    description: 'the time this status holds for: the asOf asked, or the time of the answer',
  })
  asOf!: string;
}

export class BatchStatusDto {
  @ApiProperty({ type: [CreditStatusDto], description: 'registered enterprises, in request order' })
  results!: CreditStatusDto[];
  @ApiProperty({
    example: ['91310115MA1K3BTP2B'],
    type: [String],
    description: 'credit codes of no registered enterprise',
  })
  notFound!: string[];
  @ApiProperty({
    example: ['91330100799655058X'],
    type: [String],
    description: 'inputs that are not credit codes, as sent',
  })
  invalid!: string[];
}
