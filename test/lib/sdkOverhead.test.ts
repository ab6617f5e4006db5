import { plainBookkeepingStacks, quietSdkResourceDebug, SDK_RESOURCE_DEBUG } from "../../lib/sdkOverhead";

describe("the SDK's per-resource overhead", () => {
    const original = Error.prepareStackTrace;
    let mapped: Error[];
    beforeEach(() => {
        mapped = [];
        // Stands in for the source-map hook the language host and ts-node install.
        Error.prepareStackTrace = (error: Error) => {
            mapped.push(error);
            return "mapped";
        };
        plainBookkeepingStacks();
    });
    afterEach(() => {
        Error.prepareStackTrace = original;
    });

    it("the SDK's bookkeeping stacks skip the source-map hook, in the form the SDK parses", () => {
        const stack = new Error().stack ?? "";
        expect(mapped).toHaveLength(0);
        expect(stack.split("\n")[0]).toBe("Error");
        // Resource.callsites() reads frames with this pattern (sdk/nodejs/resource.ts).
        expect(stack.split("\n").slice(1)).toContainEqual(
            expect.stringMatching(/^\s*at .* \((.*):([0-9]+):([0-9]+)\)$/),
        );
    });

    it("an error with a message, or of another class, keeps the source-map hook", () => {
        const withMessage = new Error("boom");
        expect(withMessage.stack).toBe("mapped");
        const typed = new TypeError();
        expect(typed.stack).toBe("mapped");
        expect(mapped).toEqual([withMessage, typed]);
    });

    it("installing twice wraps once", () => {
        const once = Error.prepareStackTrace;
        plainBookkeepingStacks();
        expect(Error.prepareStackTrace).toBe(once);
    });

    it("the SDK's per-resource debug messages are not sent; any other debug message is", async () => {
        const sent: string[] = [];
        const log = {
            debug: async (msg: string) => {
                sent.push(msg);
            },
        };
        quietSdkResourceDebug(log);
        quietSdkResourceDebug(log);
        await log.debug("Registering resource: t=postgresql:index/role:Role, name=r, custom=true, remote=false");
        await log.debug("RegisterResource RPC prepared: t=postgresql:index/role:Role, name=r");
        await log.debug("RegisterResource RPC finished: resource:r[postgresql:index/role:Role]; err: null, resp: x");
        await log.debug("Resource RPC serialization requested: r is current");
        await log.debug("tenant t1: schema kept");
        expect(sent).toEqual(["tenant t1: schema kept"]);
    });

    it("the messages it stops are the ones the SDK's registration sends", () => {
        // The SDK this project pins builds them in runtime/resource.js; a new SDK that words them
        // differently fails here rather than silently sending them again.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const source: string = require("fs").readFileSync(
            require.resolve("@pulumi/pulumi/runtime/resource.js"),
            "utf8",
        );
        const sent = [...source.matchAll(/log\.debug\(`([^`$]*)/g)].map((m) => m[1]);
        for (const start of [
            "Registering resource: ",
            "RegisterResource RPC ",
            "Resource RPC serialization requested: ",
        ]) {
            expect(sent.filter((s) => s.startsWith(start)).length).toBeGreaterThan(0);
            expect(SDK_RESOURCE_DEBUG.test(start)).toBe(true);
        }
    });

    it("the SDK's own module is what gets quieted, so its registration calls reach the filter", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const sdkLog = require("@pulumi/pulumi/log") as { debug: unknown };
        const before = sdkLog.debug;
        try {
            quietSdkResourceDebug();
            expect(sdkLog.debug).not.toBe(before);
        } finally {
            sdkLog.debug = before;
        }
    });
});
