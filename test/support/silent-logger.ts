import { pino } from 'pino';

/** A logger for tests: silent unless CONVEYOR_TEST_LOG is set. */
export const testLogger = pino({ level: process.env.CONVEYOR_TEST_LOG ?? 'silent' });
