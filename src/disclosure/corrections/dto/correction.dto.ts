import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export const CORRECTION_KINDS = ['enterprise', 'blacklist', 'record', 'other'] as const;
export type CorrectionKind = (typeof CORRECTION_KINDS)[number];
export const CORRECTION_STATUSES = ['open', 'accepted', 'rejected'] as const;
export type CorrectionStatus = (typeof CORRECTION_STATUSES)[number];

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** 信息纠错 as the public form sends it. */
export class CreateCorrectionDto {
  @IsIn(CORRECTION_KINDS)
  kind!: CorrectionKind;

  /** What is wrong: an enterprise's name or credit code, an entry's address, a page. */
  @Transform(trimmed)
  @IsString()
  @Length(1, 200)
  subject!: string;

  @Transform(trimmed)
  @IsString()
  @Length(10, 2000)
  description!: string;

  /** How staff may reach the person (optional); shown to staff only, never on a public page. */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  contact?: string;
}

/** Staff's answer to a correction request. */
export class AnswerCorrectionDto {
  @IsIn(['accepted', 'rejected'])
  outcome!: Exclude<CorrectionStatus, 'open'>;

  @Transform(trimmed)
  @IsString()
  @Length(1, 1000)
  answer!: string;
}

export interface CorrectionRequest {
  id: string;
  /** The number the person is given: `JC-<year>-<id, six digits>`. */
  number: string;
  kind: CorrectionKind;
  subject: string;
  description: string;
  contact: string | null;
  status: CorrectionStatus;
  answer: string | null;
  handledBy: string | null;
  handledAt: Date | null;
  createdAt: Date;
}
