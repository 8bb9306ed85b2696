import { Module } from '@nestjs/common';

export const openDataControllers = [];

/** The public blacklist, its open data (CSV, JSON) and its Atom feed. */
@Module({})
export class OpenDataModule {}
