/**
 * Mock-mode scale benchmark: how long the program takes to declare its resources as tenants grow,
 * and how many resources each tenant costs. Each size runs REPEAT times in fresh processes,
 * interleaved so load drifts hit every size alike; medians and ratios go to bench/results/mock-scale.md.
 *
 *   npx ts-node bench/mock-scale.ts [repeat]
 *
 * What this does NOT measure: `pulumi up` / `preview` through the engine (the provider plugins are
 * not available on this project's machines; see README "Engine and plugins").
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const SIZES = [0, 10, 100, 1000];
const REPEAT = Number(process.argv[2] ?? "3");
const root = path.resolve(__dirname, "..");

interface Run {
    tenants: number;
    resources: number;
    ms: number;
}

function once(n: number): Run {
    const out = execFileSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, "mockProgram.ts"), String(n)],
        { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(out.trim().split("\n").pop() as string) as Run;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const runs: Record<number, Run[]> = Object.fromEntries(SIZES.map((n) => [n, []]));
for (let r = 0; r < REPEAT; r++) for (const n of SIZES) runs[n].push(once(n));

const med = (n: number) => median(runs[n].map((r) => r.ms));
const res = (n: number) => runs[n][0].resources;
const perTenant = (res(100) - res(0)) / 100;
const lines = [
    `# Mock-mode scale (${new Date().toISOString().slice(0, 10)}, ${REPEAT} runs per size, medians)`,
    "",
    "| tenants | resources | program time (ms) |",
    "| ---: | ---: | ---: |",
    ...SIZES.map((n) => `| ${n} | ${res(n)} | ${med(n).toFixed(0)} |`),
    "",
    `- resources per tenant: ${perTenant}`,
    `- t(1000) / t(100): ${(med(1000) / med(100)).toFixed(2)} (target ≤ 11)`,
    `- t(1000): ${(med(1000) / 1000).toFixed(2)} s (target < 5 s)`,
    "",
    "Command: `npx ts-node bench/mock-scale.ts " +
        REPEAT +
        "`. Engine timings (`pulumi up`/`preview`) and the SQL floor",
    "are not here: they need the provider plugins (issue 8 is blocked on issue 4).",
];
fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
fs.writeFileSync(path.join(__dirname, "results", "mock-scale.md"), `${lines.join("\n")}\n`);
process.stdout.write(`${lines.join("\n")}\n`);
