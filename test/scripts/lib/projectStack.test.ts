import { engineErrorText, engineOutput } from "../../../scripts/lib/projectStack";

function render(chunks: string[]): string {
    let text = "";
    const { options, flush } = engineOutput(
        "npm run local:cancel",
        (s) => (text += s),
        () => undefined,
    );
    chunks.forEach(options.onOutput);
    flush();
    return text;
}

describe("what a user sees of a run: each message once, no meaningless warning", () => {
    const run = [
        "Updating (local):\n",
        "    pulumi:pulumi:Stack pgstack-local  warning: using pulumi-resource-aws from $PATH at /r/bin/pulumi-resource-aws\n",
        " +  pulumi:pulumi:Stack pgstack-local creating (0s) warning: using pulumi-resource-random from $PATH at /r/bin/pu",
        "lumi-resource-random\n",
        " +  pulumi:pulumi:Stack pgstack-local creating (5s) warning: Undefined value (x) will not show as a stack output.\n",
        " +  pulumi:pulumi:Stack pgstack-local created (9s) 3 warnings\n",
        "Diagnostics:\n",
        "  pulumi:pulumi:Stack (pgstack-local):\n",
        "    warning: using pulumi-resource-aws from $PATH at /r/bin/pulumi-resource-aws\n",
        "    warning: Undefined value (x) will not show as a stack output.\n",
        "\n",
        "Outputs:\n",
        '    databaseName: "pgstack_local"\n',
        "\n",
        "Resources:\n",
        "    + 100 created",
    ];

    test("the engine's warnings about plugins on PATH are dropped, also when split across chunks", () => {
        expect(render(run)).not.toContain("from $PATH");
    });

    test("every other warning appears once, where it happened, and the outputs once", () => {
        const text = render(run);
        expect(text.match(/Undefined value \(x\)/g)).toHaveLength(1);
        expect(text.match(/databaseName/g)).toHaveLength(1);
        expect(text).not.toContain("Diagnostics:");
        expect(text).toMatch(/Resources:\n {4}\+ 100 created\n$/);
    });
});

describe("an engine error is printed once, without the Automation API's wrapper", () => {
    const commandError = (stdout: string, stderr: string) =>
        Object.assign(new Error(`code: 255\n stdout: ${stdout}\n stderr: ${stderr}\n`), {
            commandResult: { code: 255, stdout, stderr },
        });

    test("after a streamed run only a pointer to the message above", () => {
        const text = engineErrorText(commandError("error: boom", "error: boom"), "npm run local:cancel");
        expect(text).not.toContain("boom");
        expect(text).not.toContain("stdout:");
    });

    test("a run that printed nothing gives the engine's own message, once", () => {
        const text = engineErrorText(commandError("", "error: boom\n"), "npm run local:cancel", false);
        expect(text).toBe("error: boom");
    });

    test("the lock hint names the npm command, not `pulumi cancel`", () => {
        const locked =
            "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or " +
            "delete the lock file with `pulumi cancel`.";
        const told = engineErrorText(commandError("", locked), "npm run local:cancel", false);
        expect(told).toContain("`npm run local:cancel`");
        expect(told).not.toContain("pulumi cancel");
        let streamed = "";
        const { options, flush } = engineOutput(
            "npm run local:cancel",
            () => undefined,
            (s) => (streamed += s),
        );
        options.onError(locked.slice(0, 60));
        options.onError(`${locked.slice(60)}\n`);
        flush();
        expect(streamed).toBe(`${told}\n`);
    });

    test("any other error is its message", () => {
        expect(engineErrorText(new Error("database x belongs to …"), "npm run local:cancel")).toBe(
            "database x belongs to …",
        );
    });
});
