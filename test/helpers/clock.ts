import { Clock } from '../../src/common/clock';

/**
 * A clock the test moves by hand: deadlines pass without sleeping. Pass it to `TestApp.start`
 * (or provide it as `Clock` in a testing module) and every "now" the application asks for is
 * the one the test set.
 */
export class TestClock extends Clock {
  constructor(private at: Date) {
    super();
  }

  now(): Date {
    return new Date(this.at);
  }

  set(iso: string): void {
    this.at = new Date(iso);
  }
}

/** Time that flows like the wall clock's, from wherever the test sets it (retries fall due by themselves). */
export class FlowingClock extends TestClock {
  private offset = 0;

  override now(): Date {
    return new Date(Date.now() + this.offset);
  }

  override set(iso: string): void {
    this.offset = new Date(iso).getTime() - Date.now();
  }
}
