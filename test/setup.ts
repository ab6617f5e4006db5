// Mock-mode program runs import the whole program in a fresh module registry: seconds, not milliseconds.
jest.setTimeout(60_000);
