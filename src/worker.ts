import { run } from './bootstrap';

// The worker entry: Bull processors and schedules, plus /health and /metrics on PORT.
void run({ ROLE: 'worker' });
