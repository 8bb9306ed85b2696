import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Exchange a user name and password for a short-lived bearer token' })
  @ApiOkResponse({ type: LoginResultDto })
  login(@Body() body: LoginDto): Promise<LoginResultDto> {
    return this.auth.login(body);
  }
}
