/**
 * Generated passwords. Each is a @pulumi/random RandomPassword whose keepers hold the rotation
 * seeds it depends on: change one seed and `pulumi up` replaces exactly the passwords that carry it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export const PASSWORD_LENGTH = 40;

/** The keepers of one password: the global seed plus the role's (or tenant's) own seed. */
export function rotationKeepers(globalSeed: string, ownSeed: string | undefined): Record<string, string> {
    return { seed: globalSeed, own: ownSeed ?? "" };
}

/**
 * A password for one role. Alphanumeric only (about 238 bits at 40 characters): it survives every
 * DSN, pgpass and pgBouncer userlist without escaping surprises.
 */
export function rotatingPassword(
    name: string,
    keepers: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): random.RandomPassword {
    return new random.RandomPassword(
        name,
        { length: PASSWORD_LENGTH, special: false, minLower: 4, minUpper: 4, minNumeric: 4, keepers },
        opts,
    );
}
