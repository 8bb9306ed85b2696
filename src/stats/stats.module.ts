import { Module } from '@nestjs/common';

export const statsControllers = [];

/** Figures for regulators: grades by district, blacklist flow by month, the spot-check pass rate. */
@Module({})
export class StatsModule {}
