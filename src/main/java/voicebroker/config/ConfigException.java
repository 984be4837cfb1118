package voicebroker.config;

/**
 * Bad configuration found at start-up. Carries a stable code (for example {@code base_not_allowed}), the
 * variable at fault, what is wrong with it and how to fix it; the broker prints it as one line and exits 2.
 */
public final class ConfigException extends RuntimeException {
    private final String code;
    private final String variable;
    private final String problem;
    private final String fix;

    public ConfigException(String code, String variable, String problem, String fix) {
        super(code + ": " + variable + ": " + problem + " Fix: " + fix, null, false, false);
        this.code = code;
        this.variable = variable;
        this.problem = problem;
        this.fix = fix;
    }

    public String code() {
        return code;
    }

    public String variable() {
        return variable;
    }

    public String problem() {
        return problem;
    }

    public String fix() {
        return fix;
    }
}
