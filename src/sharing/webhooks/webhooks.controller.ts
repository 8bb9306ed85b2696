import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiPage, Page } from '../../common/pagination';
import { PollAt } from '../../common/poll-location';
import { Idempotent } from '../../idempotency/idempotency';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { Principal } from '../../access/principal';
import { askerOf, institutionOf } from '../asker';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryDto,
  PingAcceptedDto,
  ReplayAcceptedDto,
  ReplayDto,
  RotatedSecretDto,
  RotateSecretDto,
  WebhookDto,
} from './dto/webhook.dto';
import { WEBHOOK_EVENT_BODIES } from './webhook-callbacks';
import { WebhooksService } from './webhooks.service';
import { UuidParam, uuidId } from '../../common/validation';

@ApiTags('Finance and tax')
@ApiExtraModels(...Object.values(WEBHOOK_EVENT_BODIES))
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Access('scope:webhooks:manage')
  @Idempotent()
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Subscribe a URL to change events (from now on); signed with the secret, never shown again',
    description:
      'Each delivery is a POST signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature); ' +
      'the callbacks below describe every event body and header.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  create(@Body() body: CreateWebhookDto, @CurrentCaller() caller: Caller): Promise<CreatedWebhookDto> {
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
  @PollAt(
    (_answer, params) => `/api/v1/webhooks/${params.id}/deliveries`,
    "the subscription's deliveries, where the replayed events appear",
    '/api/v1/webhooks/0b9f3c52-6a8e-4b8e-9a43-2f4f1c1d7e21/deliveries',
  )
  replay(
    @Param('id', uuidId) id: string,
    @Body() body: ReplayDto,
    @CurrentCaller() caller: Caller,
  ): Promise<ReplayAcceptedDto> {
    return this.webhooks.replay(institutionOf(caller), id, body.fromSeq, caller.actor);
  }

  @Post(':id/ping')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @HttpCode(202)
  @Access('scope:webhooks:manage')
  @ApiOperation({
    operationId: 'pingWebhook',
    summary:
      'Send a signed `ping` to the URL, ahead of any pending deliveries and tried once (never retried); logged among the deliveries, moves no cursor',
  })
  @ApiAcceptedResponse({ type: PingAcceptedDto })
  @ApiConflictResponse({ description: 'a test ping of this subscription still waits to be delivered (`ping-pending`)' })
  @PollAt(
    (_answer, params) => `/api/v1/webhooks/${params.id}/deliveries`,
    'the deliveries of the subscription',
    '/api/v1/webhooks/0b9f3c52-6a8e-4b8e-9a43-2f4f1c1d7e21/deliveries',
  )
  ping(@Param('id', uuidId) id: string, @CurrentCaller() caller: Caller): Promise<PingAcceptedDto> {
    return this.webhooks.ping(institutionOf(caller), id, caller.actor);
  }

  @Post(':id/secret/rotate')
  @UuidParam('e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0')
  @HttpCode(200)
  @Access('scope:webhooks:manage')
  @Idempotent()
  @ApiOperation({
    operationId: 'rotateWebhookSecret',
    summary:
      'Replace the secret (the new one is shown once); the previous one also signs for overlapHours. Send an Idempotency-Key: a retry after a lost answer gets the same new secret',
  })
  @ApiOkResponse({ type: RotatedSecretDto })
  @ApiConflictResponse({ description: "an earlier rotation's overlap still runs (`rotation-overlapping`)" })
  rotateSecret(
    @Param('id', uuidId) id: string,
    @Body() body: RotateSecretDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RotatedSecretDto> {
    return this.webhooks.rotateSecret(institutionOf(caller), id, body.overlapHours, caller.actor);
  }
}
