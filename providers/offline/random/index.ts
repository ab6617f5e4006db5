/** The offline `random` plugin: RandomPassword only (the one random resource the program uses). */
import type { Plugin } from "../server";
import { randomPassword } from "./password";

/** The SDK version the program uses (@pulumi/random), reported as the plugin version. */
export const VERSION = "4.21.2";

export function randomPlugin(): Plugin {
    return {
        name: "random",
        version: VERSION,
        resources: { [randomPassword.token]: randomPassword },
        checkConfig: () => [],
        configure: () => undefined,
        context: () => ({}),
    };
}
