// See jest.config.js (integration project): stops a hung test, not a slow machine.
jest.setTimeout(30_000);
