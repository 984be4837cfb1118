package voicebroker.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.testkit.BrokerProcess;

/** The {@code voice} script itself: the java it runs is the one VOICE_JAVA names, as documented. */
class VoiceScriptIT {
    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    private Result voice(String voiceJava, String... args) throws Exception {
        Path script = Path.of(System.getProperty("voicebroker.root", ".")).toAbsolutePath().resolve("voice");
        ProcessBuilder builder = new ProcessBuilder(script.toString()).redirectErrorStream(true);
        builder.command().addAll(java.util.List.of(args));
        builder.environment().put("VOICE_JAVA", voiceJava);
        builder.environment().put("VOICE_STARTUP_ARCHIVE", "0");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output);
    }

    @Test
    void theJavaThatVoiceJavaNamesRunsTheCommand() throws Exception {
        Path marker = dir.resolve("used");
        Path wrapper = dir.resolve("java");
        Files.writeString(wrapper, "#!/bin/sh\ntouch '" + marker + "'\nexec '" + BrokerProcess.javaBin() + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));

        Result help = voice(wrapper.toString(), "help");

        assertEquals(0, help.exit(), help.output());
        assertTrue(Files.exists(marker), "the script ran VOICE_JAVA, not another java");
    }

    @Test
    void aVoiceJavaThatCannotRunIsOneClearError() throws Exception {
        Result help = voice(dir.resolve("no-such-java").toString(), "help");

        assertEquals(2, help.exit(), help.output());
        assertTrue(help.output().contains("VOICE_JAVA=") && help.output().contains("Fix:"), help.output());
    }
}
