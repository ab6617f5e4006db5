/**
 * Stack outputs without the ones a stack does not have: the engine warns "Undefined value (…) will
 * not show as a stack output" for every top-level undefined value, on every run, though nothing is
 * wrong. An output a stack has (an RDS CA name, a restored digest, the storage keys) is kept as is.
 */
export function definedOutputs<T extends Record<string, unknown>>(outputs: T): Partial<T> {
    return Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined)) as Partial<T>;
}
