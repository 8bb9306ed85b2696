import { Module } from '@nestjs/common';

export const searchControllers = [];

/** Public search of enterprises and their public pages (names, codes, disclosed records, active entries). */
@Module({})
export class SearchModule {}
