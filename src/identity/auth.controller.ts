import { Body, Controller, HttpCode, Ip, Post, Res } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../access/access.decorator';
import { quotaHeaders } from '../common/rate-limit-headers';
import { AuthService } from './auth.service';
import { LoginDto, LoginResultDto } from './dto/login.dto';

@ApiTags('Authentication')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @Access('login')
  @ApiOperation({
    operationId: 'login',
    summary:
      'Exchange a user name and password for a short-lived bearer token (throttled per address; after 5 failures for one user name from one address, that pair waits 15 s, doubling with each further failure)',
  })
  @ApiOkResponse({ type: LoginResultDto })
  @ApiTooManyRequestsResponse({
    description: 'too many attempts from this address, or too many failures for this user name from it',
  })
  @ApiForbiddenResponse({ description: 'the right password for a disabled account' })
  login(
    @Body() body: LoginDto,
    @Ip() ip: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResultDto> {
    return this.auth.login(body, ip, quotaHeaders(reply));
  }
}
