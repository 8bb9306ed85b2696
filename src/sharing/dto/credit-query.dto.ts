import { ApiProperty } from '@nestjs/swagger';
import { PageQuery } from '../../common/pagination';
import { PURPOSES, Purpose } from '../purposes';

export class ListCreditQueriesQuery extends PageQuery {}

/** One look-up of an enterprise, as the enterprise sees it: who and why, not which key or person. */
export class CreditQueryDto {
  @ApiProperty({ example: '温州银行', description: 'the institution that asked' }) institution!: string;
  @ApiProperty({ enum: ['bank', 'tax'] }) institutionKind!: 'bank' | 'tax';
  @ApiProperty({ enum: PURPOSES }) purpose!: Purpose;
  @ApiProperty() askedAt!: Date;
  @ApiProperty({ nullable: true, type: Date, description: 'the past time asked about, if any' }) asOf!: Date | null;
}
