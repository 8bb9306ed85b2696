import { ApiProperty } from '@nestjs/swagger';

export class DistrictDto {
  @ApiProperty({ example: '330302' }) code!: string;
  @ApiProperty({ example: '鹿城区' }) nameZh!: string;
  @ApiProperty({ example: 'Lucheng District' }) nameEn!: string;
}
