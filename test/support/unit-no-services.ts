// Setup for the `unit` Jest project: unit specs run with no PostgreSQL or Redis. The helpers in test/support
// read these URLs, so a *.spec.ts that uses them is refused at once (port 9 is closed) instead of depending on
// services that happen to run on this machine. Tests that need the services are *.int-spec.ts / *.e2e-spec.ts.
process.env.TEST_DATABASE_URL = 'postgres://unit-specs-have-no-database@127.0.0.1:9/none';
process.env.TEST_REDIS_URL = 'redis://127.0.0.1:9';
