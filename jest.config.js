// The offline provider (providers/offline) is a package of its own with its own test projects; they
// run here too, under the same names, so `--selectProjects unit` or `integration` covers them.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest reads this file as CommonJS
const offlineProvider = require("./providers/offline/jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
    testEnvironment: "node",
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
    testMatch: ["<rootDir>/test/**/*.test.ts"],
    // Unit tests (mocks) and integration tests (real engine, real server) are separate projects so the
    // README's test command can run both, and a developer either one.
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
            transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
            testMatch: ["<rootDir>/test/**/*.test.ts"],
            testPathIgnorePatterns: ["<rootDir>/test/integration/"],
        },
        {
            displayName: "integration",
            testEnvironment: "node",
            transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
            testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
            slowTestThreshold: 120,
            setupFilesAfterEnv: ["<rootDir>/test/integration/setup.ts"],
        },
        ...offlineProvider.projects,
    ],
};
