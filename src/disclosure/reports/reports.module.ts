import { Module } from '@nestjs/common';

export const reportsControllers = [];

/** Signed credit reports (JWS, EdDSA), their keys and their verification. */
@Module({})
export class ReportsModule {}
