package voicebroker.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parts of a systemd unit a test runs: ExecStart split as systemd splits it, Environment=, WorkingDirectory=. */
record Unit(List<String> execStart, Map<String, String> environment, Path workingDirectory) {

    static Unit parse(String text) {
        List<String> exec = null;
        Map<String, String> environment = new LinkedHashMap<>();
        Path workingDirectory = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("ExecStart=")) {
                exec = words(line.substring("ExecStart=".length()), true);
            } else if (line.startsWith("Environment=")) {
                String assignment = words(line.substring("Environment=".length()), false).get(0);
                int eq = assignment.indexOf('=');
                environment.put(assignment.substring(0, eq), assignment.substring(eq + 1));
            } else if (line.startsWith("WorkingDirectory=")) {
                workingDirectory = Path.of(line.substring("WorkingDirectory=".length()).replace("%%", "%"));
            }
        }
        if (exec == null || workingDirectory == null || !workingDirectory.isAbsolute()) {
            throw new AssertionError("not a runnable unit:\n" + text);
        }
        return new Unit(List.copyOf(exec), Map.copyOf(environment), workingDirectory);
    }

    /** Double-quoted words with backslash escapes; %% and (in command lines) $$ undone. */
    private static List<String> words(String line, boolean commandLine) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\') {
                word.append(line.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                if (word == null) {
                    word = new StringBuilder();
                }
            } else if (!quoted && c == ' ') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words.stream().map(w -> commandLine ? w.replace("$$", "$").replace("%%", "%") : w.replace("%%", "%")).toList();
    }
}
