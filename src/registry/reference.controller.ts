import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { DistrictDto } from './dto/reference.dto';
import { ReferenceService } from './reference.service';

@ApiTags('Reference data')
@Controller('api/v1')
export class ReferenceController {
  constructor(private readonly reference: ReferenceService) {}

  @Get('districts')
  @Access('public')
  @ApiOperation({
    operationId: 'listDistricts',
    summary: "Wenzhou's county-level divisions (GB/T 2260) and the city level",
  })
  @ApiOkResponse({ type: [DistrictDto] })
  districts(): Promise<DistrictDto[]> {
    return this.reference.listDistricts();
  }
}
