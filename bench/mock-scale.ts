/**
 * Mock-mode scale benchmark: how long the program takes to declare its resources as tenants grow,
 * and how many resources each tenant costs. Each size runs REPEAT times in fresh processes,
 * interleaved so load drifts hit every size alike; medians and ratios go to bench/results/mock-scale.md.
 *
 *   npx ts-node bench/mock-scale.ts [repeat] [node flags…]     e.g. … 3 --stack-trace-limit=0
 *
 * bench/scale.ts reuses mockRun() for its mock rows (next to the engine and SQL-floor figures).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");

export interface MockRun {
    tenants: number;
    resources: number;
    ms: number;
}

/**
 * One mock-mode run of the real program with `tenants` tenants in a fresh process (ts-node,
 * transpile-only, as the unit suite and `pulumi up` run it), with extra node flags if any.
 */
export function mockRun(tenants: number, nodeFlags: string[] = []): MockRun {
    const out = execFileSync(
        process.execPath,
        [
            ...nodeFlags,
            "-r",
            "ts-node/register/transpile-only",
            path.join(__dirname, "mockProgram.ts"),
            String(tenants),
        ],
        { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(out.trim().split("\n").pop() as string) as MockRun;
}

export const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function main(): void {
    const SIZES = [0, 10, 100, 1000];
    const REPEAT = Number(process.argv[2] ?? "3");
    const flags = process.argv.slice(3);
    const runs: Record<number, MockRun[]> = Object.fromEntries(SIZES.map((n) => [n, []]));
    for (let r = 0; r < REPEAT; r++) for (const n of SIZES) runs[n].push(mockRun(n, flags));

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
        "Command: `npx ts-node bench/mock-scale.ts " + [String(REPEAT), ...flags].join(" ") + "`.",
        "Engine timings (`pulumi up`/`preview`), the SQL floor and the levers: `npm run bench` (bench/results/scale.md).",
    ];
    fs.mkdirSync(path.join(__dirname, "results"), { recursive: true });
    fs.writeFileSync(path.join(__dirname, "results", "mock-scale.md"), `${lines.join("\n")}\n`);
    process.stdout.write(`${lines.join("\n")}\n`);
}

if (require.main === module) main();
