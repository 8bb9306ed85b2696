import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Department } from './department.entity';
import { District } from './district.entity';
import { DepartmentDto, DistrictDto } from './dto/reference.dto';

@Injectable()
export class ReferenceService {
  constructor(
    @InjectRepository(District) private readonly districts: Repository<District>,
    @InjectRepository(Department) private readonly departments: Repository<Department>,
  ) {}

  async listDistricts(): Promise<DistrictDto[]> {
    const rows = await this.districts.find({ order: { code: 'ASC' } });
    return rows.map(({ code, nameZh, nameEn }) => ({ code, nameZh, nameEn }));
  }

  async listDepartments(): Promise<DepartmentDto[]> {
    const rows = await this.departments.find({ order: { code: 'ASC' } });
    return rows.map(({ code, nameZh, nameEn, kind }) => ({ code, nameZh, nameEn, kind }));
  }
}
