/** The runnable broker jar: `java @<argsFile> -jar <jar> serve` (or any other `voice` command). */
export const jar: string;
/** The broker's JVM options (small heap, quick start), as a java @argfile. */
export const argsFile: string;
/** The version of the jar, the same as the Maven artifact's. */
export const version: string;
