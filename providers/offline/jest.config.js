/**
 * The offline provider's tests, as two projects named like the repo's: `unit` (pure: SQL builders,
 * Check/Diff, config, passwords, the gRPC server) and `integration` (`*.server.test.ts`: each
 * resource against the local TLS cluster, and the plugins through the real engine). The repo's
 * jest.config.js runs these projects with its own, so `npm test` at the root runs them; jest,
 * ts-jest and the engine environment (scripts/lib/engineEnv.ts) come from the repo root.
 * @type {import('jest').Config}
 */
const transform = { "^.+\\.ts$": ["ts-jest", { tsconfig: `${__dirname}/tsconfig.json` }] };

module.exports = {
    projects: [
        {
            displayName: "unit",
            rootDir: __dirname,
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/test/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/", "\\.server\\.test\\.ts$"],
        },
        {
            displayName: "integration",
            rootDir: __dirname,
            testEnvironment: "node",
            transform,
            testMatch: ["<rootDir>/test/**/*.server.test.ts"],
            testPathIgnorePatterns: ["/node_modules/"],
            slowTestThreshold: 120,
            setupFilesAfterEnv: ["<rootDir>/test/setup.server.ts"],
        },
    ],
};
