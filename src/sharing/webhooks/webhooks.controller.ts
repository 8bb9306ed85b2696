import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiPage, Page } from '../../common/pagination';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { Principal } from '../../access/principal';
import { askerOf, institutionOf } from '../asker';
import {
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryDto,
  ReplayAcceptedDto,
  ReplayDto,
  WebhookDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';
import { UuidParam, uuidId } from '../../common/validation';

@ApiTags('Finance and tax')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Access('scope:webhooks:manage')
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Subscribe a URL to change events (from now on); signed with the secret, never shown again',
  })
  @ApiCreatedResponse({ type: WebhookDto })
  create(@Body() body: CreateWebhookDto, @CurrentCaller() caller: Caller): Promise<WebhookDto> {
    return this.webhooks.create(institutionOf(caller), body, caller.actor);
  }

  @Get()
  @Access('scope:webhooks:manage')
  @ApiOperation({ operationId: 'listWebhooks', summary: "The institution's webhook subscriptions" })
  @ApiOkResponse({ type: [WebhookDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<WebhookDto[]> {
    return this.webhooks.list(askerOf(principal).institutionId);
  }

  @Get(':id')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @Access('scope:webhooks:manage')
  @ApiOperation({ operationId: 'getWebhook', summary: 'One subscription, with its cursor and pending deliveries' })
  @ApiOkResponse({ type: WebhookDto })
  get(@Param('id', uuidId) id: string, @CurrentPrincipal() principal: Principal): Promise<WebhookDto> {
    return this.webhooks.get(askerOf(principal).institutionId, id);
  }

  @Delete(':id')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @HttpCode(204)
  @Access('scope:webhooks:manage')
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'End a subscription; pending deliveries are cancelled' })
  @ApiNoContentResponse({ description: 'ended' })
  remove(@Param('id', uuidId) id: string, @CurrentCaller() caller: Caller): Promise<void> {
    return this.webhooks.remove(institutionOf(caller), id, caller.actor);
  }

  @Get(':id/deliveries')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @Access('scope:webhooks:manage')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: 'Deliveries, newest first: status, attempts with status codes, next retry',
  })
  @ApiPage(DeliveryDto)
  deliveries(
    @Param('id', uuidId) id: string,
    @Query() query: DeliveriesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<DeliveryDto>> {
    return this.webhooks.deliveries(askerOf(principal).institutionId, id, query);
  }

  @Post(':id/replay')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @HttpCode(202)
  @Access('scope:webhooks:manage')
  @ApiOperation({
    operationId: 'replayWebhook',
    summary: 'Deliver again, in order and with the same event ids, every wanted event from fromSeq on',
  })
  @ApiAcceptedResponse({ type: ReplayAcceptedDto })
  replay(
    @Param('id', uuidId) id: string,
    @Body() body: ReplayDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ReplayAcceptedDto> {
    return this.webhooks.replay(institutionOf(caller), id, body.fromSeq, caller.actor);
  }
}
