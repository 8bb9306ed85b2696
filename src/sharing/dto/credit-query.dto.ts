import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/pagination';
import { PURPOSES, Purpose } from '../purposes';

export class ListCreditQueriesQuery extends PageQuery {}

/** One look-up of an enterprise, as the enterprise sees it: who and why, not which key or person. */
export class CreditQueryDto {
  @ApiProperty({ example: '温州银行', description: 'the institution that asked' }) institution!: string;
  @ApiProperty({ example: 'bank', enum: ['bank', 'tax'] }) institutionKind!: 'bank' | 'tax';
  @ApiProperty({ example: 'loan_application', enum: PURPOSES }) purpose!: Purpose;
  @ApiProperty({ example: '2026-03-18T06:30:12.000Z' }) askedAt!: Date;
  @ApiProperty({ example: null, nullable: true, type: Date, description: 'the past time asked about, if any' })
  asOf!: Date | null;
}
