package voicebroker.adversarial;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * The switch for the long variants: {@code -Dsoak=true} on the Maven command line or {@code VOICE_SOAK=1} in the
 * environment. Off by default, so the CI run stays short; docs/SECURITY.md says how to run them.
 */
final class Soak {
    private Soak() {
    }

    static boolean enabled() {
        return Boolean.getBoolean("soak") || "1".equals(System.getenv("VOICE_SOAK"));
    }

    /** For JUnit's {@code @EnabledIf("voicebroker.adversarial.Soak#enabled")}. */
    static boolean disabled() {
        return !enabled();
    }

    /** For jqwik properties: skips them unless the soak switch is on. */
    static final class OnlyWhenSoaking implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return enabled() ? SkipResult.doNotSkip() : SkipResult.skip("a soak variant: run with -Dsoak=true or VOICE_SOAK=1");
        }
    }
}
