package voicebroker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import voicebroker.config.ConfigException;
import voicebroker.config.ConfigLoader;
import voicebroker.config.DotEnv;
import voicebroker.launcher.BrokerCommand;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.launcher.LaunchException;
import voicebroker.service.ServiceDefinition;

/**
 * {@code voice install-service [--origins O1,O2] [--platform systemd|launchd]}: writes a systemd user unit (Linux)
 * or a launchd agent (macOS) that keeps the broker running for a built dashboard. The service is the same broker
 * with the same guards: its configuration is the current one (environment and {@code ./.env}), checked exactly as
 * {@code serve} checks it, with {@code --origins} naming the production dashboard's origins. Secrets never go into
 * the unit: the key is read from the service folder's {@code .env} (created empty, 0600, never overwritten) and
 * the token from a generated 0600 token file there, which the dashboard's own server reads to hand the token to
 * its page. Exit 0 written, 2 configuration or usage problem, 1 a file could not be written.
 */
final class InstallServiceCommand {
    /** The broker's own settings; launcher-only ones and secrets are not carried into the service. */
    private static final Pattern CARRIED = Pattern.compile("OPENAI_BASE_URL|VOICE_[A-Z0-9_]+|HTTPS_PROXY|https_proxy|NO_PROXY|no_proxy");
    private static final Set<String> NOT_CARRIED = Set.of("VOICE_BROKER_TOKEN", "VOICE_BROKER_TOKEN_FILE", "VOICE_JAVA",
            "VOICE_START_TIMEOUT", "VOICE_LOG_FILE", "VOICE_STARTUP_ARCHIVE", "VOICE_UNSAFE_TEST_BIND");

    private InstallServiceCommand() {
    }

    static int run(String[] args) {
        Command.Options options;
        try {
            options = Command.parse(args, Set.of(), Set.of("--origins", "--platform"));
        } catch (Command.UsageException e) {
            return Command.usageError("install-service", e);
        }
        String platform = options.value("--platform") != null ? options.value("--platform")
                : System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac") ? "launchd" : "systemd";
        if (!platform.equals("systemd") && !platform.equals("launchd")) {
            return Command.usageError("install-service", new Command.UsageException("--platform must be systemd or launchd"));
        }
        LaunchEnvironment environment = LaunchEnvironment.current();
        Locations where = Locations.of(System.getenv(), platform);
        try {
            Map<String, String> current = environment.withDotEnv();
            if (!current.getOrDefault("VOICE_UNSAFE_TEST_BIND", "").isBlank()) {
                throw new ConfigException("bind_not_loopback", "VOICE_UNSAFE_TEST_BIND", "a service never runs in the test bind mode.",
                        "unset VOICE_UNSAFE_TEST_BIND, then run install-service again.");
            }
            Map<String, String> serviceEnv = serviceEnvironment(current, options.value("--origins"), where);
            prepareFolder(where);
            // The service's configuration, read as the service will read it (its .env holds the key), under the same checks.
            boolean keyed = ConfigLoader.load(DotEnv.merged(serviceEnv, where.folder().resolve(".env"))).keyed();
            BrokerCommand command = BrokerCommand.locate(environment);
            command.checkRunnable();
            ServiceDefinition service = new ServiceDefinition(command.java().toAbsolutePath(), command.argsFile(),
                    command.jar().toAbsolutePath(), where.folder(), serviceEnv, where.logFile());
            writePrivate(where.serviceFile(), platform.equals("systemd") ? service.systemdUnit() : service.launchdPlist());
            report(platform, where, serviceEnv, keyed);
            return Command.EXIT_OK;
        } catch (ConfigException e) {
            return Main.fail(e);
        } catch (LaunchException e) {
            return Command.fail(e, false);
        } catch (IOException e) {
            System.err.println("voice install-service: could not write the service files (" + e.getMessage() + "). Fix: check that "
                    + where.folder() + " and " + where.serviceFile().getParent() + " are writable by this user.");
            return Command.EXIT_FAILED;
        }
    }

    /** Where the files go, from HOME and XDG_CONFIG_HOME (so a test can point them at a temporary folder). */
    record Locations(Path folder, Path serviceFile, Path logFile) {
        static Locations of(Map<String, String> env, String platform) {
            Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
            String xdg = env.getOrDefault("XDG_CONFIG_HOME", "");
            Path config = xdg.isBlank() ? home.resolve(".config") : Path.of(xdg);
            Path folder = config.resolve("voice-broker");
            return platform.equals("systemd")
                    ? new Locations(folder, config.resolve("systemd/user").resolve(ServiceDefinition.SYSTEMD_NAME), folder.resolve("broker.log"))
                    : new Locations(folder, home.resolve("Library/LaunchAgents").resolve(ServiceDefinition.LAUNCHD_LABEL + ".plist"),
                            home.resolve("Library/Logs/voice-broker.log"));
        }
    }

    private static Map<String, String> serviceEnvironment(Map<String, String> current, String origins, Locations where) {
        Map<String, String> carried = new TreeMap<>();
        current.forEach((name, value) -> {
            if (CARRIED.matcher(name).matches() && !NOT_CARRIED.contains(name) && !value.isBlank()) {
                carried.put(name, value.strip());
            }
        });
        if (origins != null) {
            carried.put("VOICE_ALLOWED_ORIGINS", origins);
        }
        carried.put("VOICE_BROKER_TOKEN_FILE", where.folder().resolve("token").toString());
        return carried;
    }

    /** The 0700 folder with a 0600 token file and a 0600 .env for the key; existing files are kept as they are. */
    private static void prepareFolder(Locations where) throws IOException {
        Files.createDirectories(where.folder());
        Files.setPosixFilePermissions(where.folder(), PosixFilePermissions.fromString("rwx------"));
        Path token = where.folder().resolve("token");
        if (!Files.exists(token)) {
            byte[] bits = new byte[32];
            new SecureRandom().nextBytes(bits);
            writePrivate(token, Base64.getUrlEncoder().withoutPadding().encodeToString(bits) + "\n");
        }
        Path dotEnv = where.folder().resolve(".env");
        if (!Files.exists(dotEnv)) {
            writePrivate(dotEnv, "# The key of the voice-broker service. This file stays 0600; never commit or share it.\nOPENAI_API_KEY=\n");
        }
    }

    /** Written beside, then renamed into place, readable by this user only. */
    private static void writePrivate(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-------"));
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void report(String platform, Locations where, Map<String, String> serviceEnv, boolean keyed) {
        Command.result("wrote " + where.serviceFile());
        Command.result("origins: " + serviceEnv.getOrDefault("VOICE_ALLOWED_ORIGINS", ConfigLoader.DEFAULT_ORIGINS)
                + (serviceEnv.containsKey("VOICE_ALLOWED_ORIGINS") ? "" : " (the dev defaults: pass --origins with the built dashboard's origin)"));
        Command.result("token file: " + serviceEnv.get("VOICE_BROKER_TOKEN_FILE") + " (the dashboard's server reads it to hand the token to its page)");
        Command.result(keyed ? "key: set in " + where.folder().resolve(".env")
                : "key: not set yet. Put OPENAI_API_KEY=... in " + where.folder().resolve(".env") + " (keep it 0600)");
        if (platform.equals("systemd")) {
            Command.result("start it: systemctl --user daemon-reload && systemctl --user enable --now voice-broker");
            Command.result("keep it running without a login session: loginctl enable-linger \"$USER\"");
        } else {
            Command.result("start it: launchctl bootstrap gui/$(id -u) " + where.serviceFile());
        }
    }
}
