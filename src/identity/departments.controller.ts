import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { Access } from '../access/access.decorator';
import { DepartmentsService } from './departments.service';
import {
  CreateDepartmentDto,
  DepartmentDto,
  MergeDepartmentDto,
  MergeResultDto,
  UpdateDepartmentDto,
} from './dto/department.dto';

const CodeParam = () => ApiParam({ name: 'code', example: 'QTS' });

@ApiTags('Reference data')
@Controller('api/v1/departments')
export class DepartmentsController {
  constructor(private readonly departments: DepartmentsService) {}

  @Get()
  @Access('public')
  @ApiOperation({
    operationId: 'listDepartments',
    summary: 'Departments that record, coordinate or consume quality-credit information, merged ones included',
  })
  @ApiOkResponse({ type: [DepartmentDto] })
  list(): Promise<DepartmentDto[]> {
    return this.departments.list();
  }

  @Post()
  @Access('admin')
  @ApiOperation({ operationId: 'createDepartment', summary: 'Add a department' })
  @ApiCreatedResponse({ type: DepartmentDto })
  create(@Body() body: CreateDepartmentDto, @CurrentActor() actor: Actor): Promise<DepartmentDto> {
    return this.departments.create(body, actor);
  }

  @Patch(':code')
  @Access('admin')
  @CodeParam()
  @ApiOperation({
    operationId: 'updateDepartment',
    summary: 'Rename a department (records keep their department code)',
  })
  @ApiOkResponse({ type: DepartmentDto })
  update(
    @Param('code') code: string,
    @Body() body: UpdateDepartmentDto,
    @CurrentActor() actor: Actor,
  ): Promise<DepartmentDto> {
    return this.departments.update(code, body, actor);
  }

  @Post(':code/merge-into')
  @HttpCode(200)
  @Access('admin')
  @CodeParam()
  @ApiOperation({
    operationId: 'mergeDepartment',
    summary: 'Merge a department into its successor: users, institutions, keys and correction rights pass to it',
  })
  @ApiOkResponse({ type: MergeResultDto })
  merge(
    @Param('code') code: string,
    @Body() body: MergeDepartmentDto,
    @CurrentActor() actor: Actor,
  ): Promise<MergeResultDto> {
    return this.departments.merge(code, body.successorCode, actor);
  }
}
