import { Injectable } from '@nestjs/common';
import { DistrictsRepository } from './districts.repository';
import { DistrictDto } from './dto/reference.dto';

@Injectable()
export class ReferenceService {
  constructor(private readonly districts: DistrictsRepository) {}

  async listDistricts(): Promise<DistrictDto[]> {
    const rows = await this.districts.list();
    return rows.map(({ code, nameZh, nameEn }) => ({ code, nameZh, nameEn }));
  }
}
