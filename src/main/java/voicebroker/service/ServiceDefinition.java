package voicebroker.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The broker as a user service: what runs ({@code java [@args] -jar <jar> serve}), where (a 0700 folder that holds
 * the broker's {@code .env} with the key, and the token file), and with which non-secret environment. Rendered
 * as a systemd user unit or a launchd agent; neither file ever holds the key or the token.
 *
 * @param java        absolute path of the java binary
 * @param argsFile    the JVM options file, when there is one
 * @param jar         the runnable broker jar
 * @param workingDir  the service's folder: the broker reads {@code .env} (the key) from here
 * @param environment non-secret variables, e.g. VOICE_ALLOWED_ORIGINS and VOICE_BROKER_TOKEN_FILE
 * @param logFile     where launchd writes the broker's standard error (systemd uses the journal)
 */
public record ServiceDefinition(Path java, Optional<Path> argsFile, Path jar, Path workingDir, Map<String, String> environment,
                                Path logFile) {
    public static final String SYSTEMD_NAME = "voice-broker.service";
    public static final String LAUNCHD_LABEL = "io.github.voicebroker.broker";

    public ServiceDefinition {
        SortedMap<String, String> sorted = new TreeMap<>(environment);
        for (Map.Entry<String, String> variable : sorted.entrySet()) {
            if (!variable.getKey().matches("[A-Z_][A-Z0-9_]*") || variable.getValue().chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("not a plain environment variable: " + variable.getKey());
            }
        }
        environment = Collections.unmodifiableSortedMap(sorted);
    }

    /** The fixed argument vector; nothing secret and nothing from outside the installer's own settings. */
    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(java.toString());
        argsFile.ifPresent(file -> argv.add("@" + file));
        argv.add("-jar");
        argv.add(jar.toString());
        argv.add("serve");
        return List.copyOf(argv);
    }

    /** A systemd user unit: restarted on failure, private umask, no privilege gain. */
    public String systemdUnit() {
        StringBuilder unit = new StringBuilder();
        unit.append("# Written by 'voice install-service'. The key is in ").append(workingDir.resolve(".env")).append(", not here.\n");
        unit.append("[Unit]\nDescription=voice-broker: loopback token broker for the OpenAI Realtime API\n");
        unit.append("After=network-online.target\nWants=network-online.target\n\n");
        unit.append("[Service]\nType=simple\n");
        // A path setting takes no quotes; only specifiers need escaping.
        unit.append("WorkingDirectory=").append(workingDir.toString().replace("%", "%%")).append('\n');
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            unit.append("Environment=").append(systemdQuote(variable.getKey() + "=" + variable.getValue(), false)).append('\n');
        }
        unit.append("ExecStart=").append(String.join(" ", argv().stream().map(arg -> systemdQuote(arg, true)).toList())).append('\n');
        unit.append("Restart=on-failure\nRestartSec=2\nUMask=0077\nNoNewPrivileges=yes\n\n");
        unit.append("[Install]\nWantedBy=default.target\n");
        return unit.toString();
    }

    /** A launchd agent: started at login, restarted when it exits with an error. */
    public String launchdPlist() {
        StringBuilder plist = new StringBuilder();
        plist.append("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <!-- Written by 'voice install-service'. The key is in the .env of WorkingDirectory, not here. -->
                <plist version="1.0">
                <dict>
                """);
        plist.append("  <key>Label</key>\n  <string>").append(LAUNCHD_LABEL).append("</string>\n");
        plist.append("  <key>ProgramArguments</key>\n  <array>\n");
        for (String arg : argv()) {
            plist.append("    <string>").append(xml(arg)).append("</string>\n");
        }
        plist.append("  </array>\n");
        plist.append("  <key>WorkingDirectory</key>\n  <string>").append(xml(workingDir.toString())).append("</string>\n");
        plist.append("  <key>EnvironmentVariables</key>\n  <dict>\n");
        for (Map.Entry<String, String> variable : environment.entrySet()) {
            plist.append("    <key>").append(xml(variable.getKey())).append("</key>\n    <string>").append(xml(variable.getValue())).append("</string>\n");
        }
        plist.append("  </dict>\n");
        plist.append("  <key>RunAtLoad</key>\n  <true/>\n");
        plist.append("  <key>KeepAlive</key>\n  <dict>\n    <key>SuccessfulExit</key>\n    <false/>\n  </dict>\n");
        plist.append("  <key>Umask</key>\n  <integer>63</integer>\n");
        plist.append("  <key>StandardErrorPath</key>\n  <string>").append(xml(logFile.toString())).append("</string>\n");
        plist.append("</dict>\n</plist>\n");
        return plist.toString();
    }

    /**
     * systemd's quoting: double quotes, backslash escapes, % doubled so it is never a specifier, and in command
     * lines (where systemd expands variables) $ doubled too.
     */
    static String systemdQuote(String value, boolean commandLine) {
        String escaped = value.replace("\\", "\\\\").replace("\"", "\\\"").replace("%", "%%");
        return "\"" + (commandLine ? escaped.replace("$", "$$") : escaped) + "\"";
    }

    private static String xml(String value) {
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
