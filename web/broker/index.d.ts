/** The runnable broker jar: `java @<argsFile> -jar <jar> serve` (or any other `voice` command). */
export const jar: string;
/** The broker's JVM options (small heap, quick start), as a java @argfile. */
export const argsFile: string;
/** The version of the jar, the same as the Maven artifact's. */
export const version: string;
/** The java to run it with: VOICE_JAVA, else $JAVA_HOME/bin/java, else `java` from PATH. */
export function javaBinary(env?: Record<string, string | undefined>): string;
/** `[java, "@<argsFile>", "-jar", jar]`; append the command, e.g. "serve". Secrets travel by environment only. */
export function command(env?: Record<string, string | undefined>): string[];
