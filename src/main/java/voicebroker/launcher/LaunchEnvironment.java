package voicebroker.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.config.ConfigLoader;
import voicebroker.config.DotEnv;
import voicebroker.config.Env;

/**
 * The environment a launcher command runs in, captured once: the process environment plus any overrides (the
 * {@code /__start_voice} handler overrides VOICE_ALLOWED_ORIGINS), the broker configuration it yields (read
 * with {@code .env} exactly as the child broker will read it, since the child runs in the same working
 * directory), and the two launcher-only settings. The child's environment is this same map: secrets reach it
 * by environment only, never by argument.
 */
public final class LaunchEnvironment {
    /** The java binary the {@code voice} script used; the child broker runs on the same one. */
    public static final String JAVA_VARIABLE = "VOICE_JAVA";
    /** Seconds to wait for the child's readiness line (default 15). */
    public static final String START_TIMEOUT_VARIABLE = "VOICE_START_TIMEOUT";
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(15);

    private final Map<String, String> variables;
    private BrokerConfig config;
    private ConfigException configError;

    private LaunchEnvironment(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    /** This process's environment. */
    public static LaunchEnvironment current() {
        return current(Map.of());
    }

    /** This process's environment with some variables replaced. */
    public static LaunchEnvironment current(Map<String, String> overrides) {
        Map<String, String> variables = new HashMap<>(System.getenv());
        variables.putAll(overrides);
        return new LaunchEnvironment(variables);
    }

    /** The broker configuration, parsed once; every later call answers the same config or the same error. */
    public synchronized BrokerConfig config() {
        if (config == null && configError == null) {
            try {
                config = ConfigLoader.load(withDotEnv());
            } catch (ConfigException e) {
                configError = e;
            }
        }
        if (configError != null) {
            throw configError;
        }
        return config;
    }

    /** Where the broker of this environment keeps its files; needs only VOICE_PORT and VOICE_RUNTIME_DIR to be valid. */
    public LaunchFiles files() {
        ConfigLoader.Location location = ConfigLoader.location(withDotEnv());
        return new LaunchFiles(location.runtimeDir(), location.port());
    }

    /** The configuration problem of this environment, if it has one (for commands that work without a full configuration). */
    public Optional<ConfigException> configProblem() {
        try {
            config();
            return Optional.empty();
        } catch (ConfigException e) {
            return Optional.of(e);
        }
    }

    /**
     * What the configuration depends on besides the variables: the {@code .env} file's size and modification
     * time (or its absence), so a caller can tell cheaply that a configuration it parsed earlier still holds.
     */
    public static String dotEnvStamp() {
        try {
            java.nio.file.attribute.BasicFileAttributes attributes = java.nio.file.Files.readAttributes(Path.of(".env"),
                    java.nio.file.attribute.BasicFileAttributes.class);
            return attributes.size() + ":" + attributes.lastModifiedTime().toMillis();
        } catch (java.io.IOException e) {
            return "none";
        }
    }

    /** The variables merged with {@code .env} from the working directory, as ConfigLoader sees them. */
    public Map<String, String> withDotEnv() {
        return DotEnv.merged(variables, Path.of(".env"));
    }

    /** What the child broker gets as its whole environment (it reads {@code .env} itself). */
    Map<String, String> childVariables() {
        return variables;
    }

    /** VOICE_JAVA when set, else the java of this JVM. */
    public Path javaBinary() {
        String configured = new Env(variables).text(JAVA_VARIABLE);
        return configured.isEmpty() ? Path.of(System.getProperty("java.home"), "bin", "java") : Path.of(configured);
    }

    /** How long the child may take to print its readiness line. */
    public Duration startTimeout() {
        return new Env(variables).seconds(START_TIMEOUT_VARIABLE, DEFAULT_START_TIMEOUT, 1, 120, "bad_number");
    }
}
