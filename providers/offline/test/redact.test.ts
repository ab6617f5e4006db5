import { engineVerbosity, log } from "../log";
import { SECRET_SIG, SIG_KEY, unwrapSecrets, wrapSecrets } from "../props";
import { forgetSecrets, redact, rememberSecret } from "../redact";

afterEach(() => forgetSecrets());

/** What `log` writes to stderr while fn runs. */
function stderrOf(fn: () => void): string {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
    });
    try {
        fn();
    } finally {
        spy.mockRestore();
    }
    return written.join("");
}

test("a secret input is never written in a log line of the offline provider", () => {
    unwrapSecrets({ name: "app_app", password: { [SIG_KEY]: SECRET_SIG, value: "s3cr3t-Pa55word" } });
    const out = stderrOf(() => log("ALTER ROLE app_app PASSWORD 's3cr3t-Pa55word' failed: s3cr3t-Pa55word"));
    expect(out).not.toContain("s3cr3t-Pa55word");
    expect(out).toContain("[secret]");
});

test("a secret the provider hands out (a generated password) is redacted from then on", () => {
    wrapSecrets({ result: "gen-Erated-9x" }, ["result"]);
    expect(redact("result is gen-Erated-9x")).toBe("result is [secret]");
});

test("a secret with a quote is redacted as written and as SQL-quoted", () => {
    rememberSecret("it's-secret");
    expect(redact("PASSWORD 'it''s-secret' or it's-secret")).toBe("PASSWORD '[secret]' or [secret]");
});

test("the engine's -v=N flag sets the provider's verbosity (SQL logging at 9)", () => {
    expect(engineVerbosity(["node", "main.js", "--plugin", "postgresql", "-v=9", "127.0.0.1:1"])).toBe(9);
    expect(engineVerbosity(["node", "main.js", "--logtostderr"])).toBe(0);
});
