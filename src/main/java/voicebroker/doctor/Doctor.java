package voicebroker.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import voicebroker.config.BrokerConfig;
import voicebroker.config.ConfigException;
import voicebroker.guard.SameUserGuard;
import voicebroker.launcher.BrokerCommand;
import voicebroker.launcher.BrokerState;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.launcher.LaunchFiles;
import voicebroker.launcher.BrokerInspector;
import voicebroker.runtime.RuntimeFile;

/**
 * {@code voice doctor}: every precondition of {@code voice start} and of a first mint, checked one by one
 * without minting and without sending the key anywhere. Each check answers ok, FAIL with the fix, or skip
 * when an earlier problem must be fixed first.
 */
public final class Doctor {
    static final int MIN_JAVA = 17;
    private static final Set<String> KEY_VARIABLES = Set.of("OPENAI_API_KEY");
    private static final Set<String> BASE_VARIABLES = Set.of("OPENAI_BASE_URL", "VOICE_ALLOWED_BASE_HOSTS");
    private static final Set<String> ORIGIN_VARIABLES = Set.of("VOICE_ALLOWED_ORIGINS");
    private static final Set<String> PORT_VARIABLES = Set.of("VOICE_PORT");

    private Doctor() {
    }

    public static List<Check> run(LaunchEnvironment environment) {
        ConfigReport report = ConfigReport.of(environment);
        List<Check> checks = new ArrayList<>();
        checks.add(java(environment));
        checks.add(jar(environment));
        checks.add(otherSettings(report));
        checks.add(key(report));
        checks.add(base(report));
        checks.add(origins(report));
        checks.add(runtimeDir(report));
        checks.add(port(report));
        checks.add(bind(report.config()));
        checks.add(localUsers(SameUserGuard.forThisProcess()));
        checks.add(upstream(report));
        return checks;
    }

    /** A broker that would listen beyond loopback is a failure to fix, whatever else is fine. */
    static Check bind(Optional<BrokerConfig> config) {
        if (config.isEmpty()) {
            return Check.skip("bind", "fix the configuration problem above first");
        }
        List<String> beyond = config.get().bindBeyondLoopback();
        if (beyond.isEmpty()) {
            return Check.ok("bind", "loopback only");
        }
        return Check.fail("bind", "UNSAFE: VOICE_UNSAFE_TEST_BIND and VOICE_BIND make the broker listen beyond loopback on "
                + String.join(", ", beyond) + "; the port is reachable from the network.",
                "unset VOICE_UNSAFE_TEST_BIND and VOICE_BIND: that switch exists only so tests can prove the peer guard.");
    }

    /** Whether another OS user on this machine can be told apart from you, and what stands in for it where not. */
    static Check localUsers(SameUserGuard sameUser) {
        if (sameUser.judges()) {
            return Check.ok("users", "only your OS user may call the broker or /__start_voice: the kernel's socket table "
                    + "(/proc/net/tcp) names the user behind each connection");
        }
        return Check.ok("users", "this platform cannot tell which OS user is calling, so /__start_voice answers "
                + "dashboard_token_required unless the dev server plugin has dashboardTokenHeader and dashboardTokenFile set; "
                + "the broker itself relies on its token");
    }

    private static Check java(LaunchEnvironment environment) {
        Runtime.Version version = Runtime.version();
        if (version.feature() < MIN_JAVA) {
            return Check.fail("java", "this is Java " + version + "; the broker needs " + MIN_JAVA + " or newer.",
                    "install a JDK " + MIN_JAVA + " or newer and put it first on PATH (or set JAVA_HOME).");
        }
        Path child = environment.javaBinary();
        if (!Files.isRegularFile(child) || !Files.isExecutable(child)) {
            return Check.fail("java", "Java " + version + " runs this command, but the broker's java " + child + " is not executable.",
                    "unset " + LaunchEnvironment.JAVA_VARIABLE + " or point it at the java of a JDK " + MIN_JAVA + " or newer.");
        }
        return Check.ok("java", "Java " + version + " (needs " + MIN_JAVA + " or newer); the broker runs on " + child);
    }

    private static Check jar(LaunchEnvironment environment) {
        try {
            BrokerCommand command = BrokerCommand.locate(environment);
            return Check.ok("jar", command.jar() + command.argsFile().map(file -> " with JVM options " + file).orElse(""));
        } catch (LaunchException e) {
            return Check.fail("jar", e.getMessage(), e.hint());
        }
    }

    private static Check otherSettings(ConfigReport report) {
        Set<String> reported = new java.util.HashSet<>();
        reported.addAll(KEY_VARIABLES);
        reported.addAll(BASE_VARIABLES);
        reported.addAll(ORIGIN_VARIABLES);
        reported.addAll(PORT_VARIABLES);
        List<ConfigException> others = report.errors().stream().filter(e -> !reported.contains(e.variable())).toList();
        if (others.isEmpty()) {
            return Check.ok("config", report.config().isPresent() ? "the environment and .env parse" : "see below");
        }
        return failure("config", others);
    }

    private static Check key(ConfigReport report) {
        List<ConfigException> errors = report.about(KEY_VARIABLES);
        if (!errors.isEmpty()) {
            return failure("key", errors);
        }
        if (report.config().isEmpty()) {
            return Check.skip("key", "fix the configuration problem above first");
        }
        return key(report.config().get());
    }

    /** A key that is set but cannot be an OpenAI key (a pasted fragment, stray quotes) fails here, not at the first mint. */
    static Check key(BrokerConfig config) {
        if (config.apiKey().isPresent() && !config.apiKey().get().startsWith("sk-") && config.base().rootString().equals("https://api.openai.com")) {
            return Check.fail("key", "OPENAI_API_KEY " + config.apiKey().get().masked() + " does not start with sk-, so it cannot be an OpenAI key.",
                    "paste the key from the OpenAI dashboard again, whole, without quotes around part of it.");
        }
        return config.apiKey().map(key -> Check.ok("key", "OPENAI_API_KEY " + key.masked()))
                .orElseGet(() -> Check.fail("key", "OPENAI_API_KEY is not set: the broker would start but every mint answers no_key.",
                        "set OPENAI_API_KEY in the environment, or in a .env file in the directory you run ./voice from."));
    }

    private static Check base(ConfigReport report) {
        List<ConfigException> errors = report.about(BASE_VARIABLES);
        if (!errors.isEmpty()) {
            return failure("base", errors);
        }
        return report.config().map(config -> Check.ok("base", config.base().api() + " is allowed"))
                .orElseGet(() -> Check.skip("base", "fix the configuration problem above first"));
    }

    private static Check origins(ConfigReport report) {
        List<ConfigException> errors = report.about(ORIGIN_VARIABLES);
        if (!errors.isEmpty()) {
            return failure("origins", errors);
        }
        return report.config().map(config -> Check.ok("origins", String.join(", ", config.allowedOrigins())))
                .orElseGet(() -> Check.skip("origins", "fix the configuration problem above first"));
    }

    /** Creates the directory as {@code voice start} would, then proves a 0600 file can be made in it. */
    private static Check runtimeDir(ConfigReport report) {
        if (report.config().isEmpty()) {
            return Check.skip("runtime dir", "fix the configuration problem above first");
        }
        Path dir = report.config().get().runtimeDir();
        String fix = "point VOICE_RUNTIME_DIR at a directory this user can create and write (it is made 0700).";
        try {
            RuntimeFile.ensurePrivateDir(dir);
            Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            Path probe = Files.createTempFile(dir, ".doctor-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Set<PosixFilePermission> fileMode = Files.getPosixFilePermissions(probe);
                if (!dirMode.equals(PosixFilePermissions.fromString("rwx------")) || !fileMode.equals(PosixFilePermissions.fromString("rw-------"))) {
                    return Check.fail("runtime dir", dir + " is " + PosixFilePermissions.toString(dirMode) + " and its files "
                            + PosixFilePermissions.toString(fileMode) + "; the token file must be private.", fix);
                }
            } finally {
                Files.deleteIfExists(probe);
            }
            return Check.ok("runtime dir", dir + " (0700, files 0600)");
        } catch (IOException | UnsupportedOperationException e) {
            return Check.fail("runtime dir", dir + " cannot be used (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ").", fix);
        }
    }

    private static Check port(ConfigReport report) {
        List<ConfigException> errors = report.about(PORT_VARIABLES);
        if (!errors.isEmpty()) {
            return failure("port", errors);
        }
        if (report.config().isEmpty()) {
            return Check.skip("port", "fix the configuration problem above first");
        }
        BrokerConfig config = report.config().get();
        return portCheck(config.port(), BrokerInspector.inspect(new LaunchFiles(config.runtimeDir(), config.port())), config);
    }

    private static Check portCheck(int port, BrokerState state, BrokerConfig config) {
        String foreignFix = "find the holder with: ss -ltnp 'sport = :" + port + "', stop it, or set VOICE_PORT to a free port.";
        if (state instanceof BrokerState.Running running) {
            Optional<String> difference = running.info().difference(config, config.allowedOrigins());
            return Check.ok("port", port + " is held by our voice-broker (pid " + running.info().pid() + ", started by "
                    + running.info().startedBy() + ", configuration " + difference.map(d -> "stale: " + d + "; './voice start' will restart it")
                    .orElse("current") + ")");
        }
        if (state instanceof BrokerState.Unresponsive unresponsive) {
            return Check.fail("port", "our voice-broker (pid " + unresponsive.info().pid() + ") holds the runtime file but does not answer.",
                    "restart it: ./voice stop && ./voice start");
        }
        if (state instanceof BrokerState.Foreign foreign) {
            return Check.fail("port", port + " is held by " + foreign.holder() + ".", foreignFix);
        }
        if (state instanceof BrokerState.Stale stale) {
            return Check.ok("port", port + " is free (the stale runtime file of pid " + stale.info().pid() + " is cleaned up by './voice start')");
        }
        return Check.ok("port", port + " is free");
    }

    private static Check upstream(ConfigReport report) {
        if (!report.about(BASE_VARIABLES).isEmpty()) {
            return Check.skip("upstream", "fix the base URL first");
        }
        if (report.config().isEmpty()) {
            return Check.skip("upstream", "fix the configuration problem above first");
        }
        BrokerConfig config = report.config().get();
        return UpstreamProbe.check(config.base(), config.proxy());
    }

    private static Check failure(String name, List<ConfigException> errors) {
        String detail = errors.stream().map(e -> e.variable() + ": " + e.problem()).collect(Collectors.joining(" "));
        String fix = errors.stream().map(ConfigException::fix).distinct().collect(Collectors.joining(" "));
        return Check.fail(name, detail, fix);
    }

    /** True when every check passed. */
    public static boolean allPassed(List<Check> checks) {
        return checks.stream().allMatch(Check::passed);
    }
}
