import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsCodeList } from './code-list';

export const MAX_WATCHLIST = 1_000_000;

export class WatchlistCodesDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_WATCHLIST,
    example: ['91330100799655058B'],
    description: 'credit codes (registered or not); a list with any bad code is refused whole',
  })
  @IsArray()
  @ArrayMaxSize(MAX_WATCHLIST)
  @IsCodeList()
  usccs!: string[];
}

export class ListWatchlistQuery extends PageQuery {}

export class WatchlistItemDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '2026-03-01T08:00:00.000Z' }) addedAt!: Date;
}

export class WatchlistChangeDto {
  @ApiProperty({ example: 1250, description: 'codes on the watchlist now' }) total!: number;
  @ApiProperty({ example: 50, description: 'codes that were not on it before' }) added!: number;
  @ApiProperty({ example: 0, description: 'codes taken off it' }) removed!: number;
}
