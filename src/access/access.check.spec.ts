import { Controller, Get, Type } from '@nestjs/common';
import { Access } from './access.decorator';
import { routesOf } from './access-routes';

@Controller('api/v1/examples')
class ExampleController {
  @Get()
  @Access('admin')
  declared(): void {}

  @Get(':id')
  forgotten(): void {}
}

describe('access declarations', () => {
  it('finds a route that declares no access, so that the app refuses to start', () => {
    const routes = routesOf([ExampleController as Type<unknown>]);
    expect(routes).toEqual([
      { method: 'GET', path: '/api/v1/examples', grants: ['admin'] },
      { method: 'GET', path: '/api/v1/examples/{id}', grants: [] },
    ]);
  });
});

describe('AccessCheck', () => {
  it('stops start-up naming the undeclared route', async () => {
    const { Test } = await import('@nestjs/testing');
    const { DiscoveryModule } = await import('@nestjs/core');
    const { AccessCheck } = await import('./access.check');
    const module = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers: [ExampleController],
      providers: [AccessCheck],
    }).compile();
    await expect(module.init()).rejects.toThrow(
      'Routes without an @Access(...) declaration: GET /api/v1/examples/{id}',
    );
  });
});
