import { run } from './bootstrap';

// The api entry; ROLE (default `all`) decides whether this process also runs the worker.
void run();
