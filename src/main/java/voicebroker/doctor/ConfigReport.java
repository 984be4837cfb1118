package voicebroker.doctor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.config.ConfigLoader;
import voicebroker.launcher.LaunchEnvironment;

/**
 * Every configuration problem at once, not just the first: ConfigLoader stops at the first bad variable, so
 * the doctor notes it, sets that variable aside (its default takes over) and parses again, until the rest
 * parses. Checks that depend on a variable with a problem are then reported as failed or skipped, never run
 * against the default that stood in for it.
 *
 * @param config the configuration with the faulty variables set aside, when the rest parses
 * @param errors each problem found, in order
 */
record ConfigReport(Optional<BrokerConfig> config, List<ConfigException> errors) {
    private static final int MAX_ROUNDS = 32;

    static ConfigReport of(LaunchEnvironment environment) {
        List<ConfigException> errors = new ArrayList<>();
        Map<String, String> variables;
        try {
            variables = new HashMap<>(environment.withDotEnv());
        } catch (ConfigException e) {
            return new ConfigReport(Optional.empty(), List.of(e));
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            try {
                return new ConfigReport(Optional.of(ConfigLoader.load(variables)), errors);
            } catch (ConfigException e) {
                errors.add(e);
                if (variables.remove(e.variable()) == null) {
                    break;
                }
            }
        }
        return new ConfigReport(Optional.empty(), errors);
    }

    /** The problems with any of these variables. */
    List<ConfigException> about(Set<String> variables) {
        return errors.stream().filter(e -> variables.contains(e.variable())).toList();
    }
}
