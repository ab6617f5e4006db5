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
            testPathIgnorePatterns: ["<rootDir>/test/integration/", "\\.server\\.test\\.ts$"],
        },
        {
            displayName: "integration",
            testEnvironment: "node",
            transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
            testMatch: [
                "<rootDir>/test/integration/**/*.test.ts",
                "<rootDir>/test/providers/offline/**/*.server.test.ts",
            ],
            slowTestThreshold: 120,
            setupFilesAfterEnv: ["<rootDir>/test/integration/setup.ts"],
        },
    ],
};
