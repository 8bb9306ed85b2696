import { Module } from '@nestjs/common';
import { PagesController } from './pages.controller';

export const webControllers = [PagesController];

/**
 * The public web pages at `/`: server-rendered HTML over the disclosure and stats services,
 * Chinese by default with an English switch, no script.
 */
@Module({})
export class WebModule {}
