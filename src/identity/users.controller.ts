import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { ApiPage, Page } from '../common/pagination';
import { UuidParam, uuidId } from '../common/validation';
import { Access } from '../access/access.decorator';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('Administration')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Access('admin')
  @ApiOperation({
    operationId: 'createUser',
    summary: 'Create a user bound to what their role needs (department, institution or enterprise)',
  })
  @ApiCreatedResponse({ type: UserDto })
  create(@Body() body: CreateUserDto, @CurrentActor() actor: Actor): Promise<UserDto> {
    return this.users.create(body, actor);
  }

  @Get()
  @Access('admin')
  @ApiOperation({ operationId: 'listUsers', summary: 'List users' })
  @ApiPage(UserDto)
  list(@Query() query: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(query);
  }

  @Patch(':id')
  @UuidParam('0d6a4c52-7e1f-4b8a-9c3d-2f5e6a7b8c90')
  @Access('admin')
  @ApiOperation({
    operationId: 'updateUser',
    summary:
      "Disable or enable a user, set a new password, or change a regulator's district; a disabled user's tokens fail at once, on every replica",
  })
  @ApiOkResponse({ type: UserDto })
  update(@Param('id', uuidId) id: string, @Body() body: UpdateUserDto, @CurrentActor() actor: Actor): Promise<UserDto> {
    return this.users.update(id, body, actor);
  }
}
