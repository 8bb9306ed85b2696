import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { District } from './district.entity';
import { DistrictDto } from './dto/reference.dto';

@Injectable()
export class ReferenceService {
  constructor(@InjectRepository(District) private readonly districts: Repository<District>) {}

  async listDistricts(): Promise<DistrictDto[]> {
    const rows = await this.districts.find({ order: { code: 'ASC' } });
    return rows.map(({ code, nameZh, nameEn }) => ({ code, nameZh, nameEn }));
  }
}
