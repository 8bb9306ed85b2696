import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { Access } from './access.decorator';
import { AuthService } from './auth.service';
import { LoginDto, LoginResultDto } from './dto/login.dto';

@ApiTags('Authentication')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({
    summary:
      'Exchange a user name and password for a short-lived bearer token (throttled per address; locks a user after 5 failures for 15 minutes)',
  })
  @ApiOkResponse({ type: LoginResultDto })
  @ApiTooManyRequestsResponse({
    description: 'too many attempts from this address, or the user is locked after repeated failures',
  })
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<LoginResultDto> {
    return this.auth.login(body, ip);
  }
}
