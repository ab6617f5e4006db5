/**
 * Stack outputs as an env file (`npm run local:outputs -- --format env`): one `KEY='value'` line per
 * output, single-quoted so a shell (`set -a; . ./.env`) and dotenv readers take the value as it is
 * ($, spaces, % and newlines included). Objects and lists are written as JSON. Absent outputs are
 * left out, and so are secret ones unless they are shown.
 */
export interface OutputValue {
    value: unknown;
    secret: boolean;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function renderEnvFile(outputs: Record<string, OutputValue>, showSecrets: boolean): string {
    const lines: string[] = [];
    for (const [k, o] of Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b))) {
        if (o.value === undefined || o.value === null) continue;
        if (o.secret && !showSecrets) continue;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`output "${k}" is not an env variable name`);
        const v = typeof o.value === "string" ? o.value : JSON.stringify(o.value);
        lines.push(`${k}=${shellQuote(v)}`);
    }
    return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
