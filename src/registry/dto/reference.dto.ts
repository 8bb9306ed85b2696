import { ApiProperty } from '@nestjs/swagger';
import { DEPARTMENT_KINDS, DepartmentKind } from '../department.entity';

export class DistrictDto {
  @ApiProperty({ example: '330302' }) code!: string;
  @ApiProperty({ example: '鹿城区' }) nameZh!: string;
  @ApiProperty({ example: 'Lucheng District' }) nameEn!: string;
}

export class DepartmentDto {
  @ApiProperty({ example: 'AMR' }) code!: string;
  @ApiProperty() nameZh!: string;
  @ApiProperty() nameEn!: string;
  @ApiProperty({ enum: DEPARTMENT_KINDS }) kind!: DepartmentKind;
}
