package voicebroker.cli;

import java.io.BufferedInputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Set;
import voicebroker.launcher.InProcessBroker;
import voicebroker.startvoice.DevServerStarter;
import voicebroker.startvoice.LauncherProtocol;
import voicebroker.startvoice.LauncherService;
import voicebroker.startvoice.StartVoiceHandler;

/**
 * {@code voice launcher}: the dev server plugin's warm launcher, started once per dev server and fed
 * {@link LauncherProtocol} lines on stdin. A broker it starts runs in this process ({@link InProcessBroker}):
 * the JVM is already warm, so a first click is served in milliseconds, and the broker ends with the dev server
 * (when stdin closes). Key and base come from this process's environment, which is the dev server's.
 * Standard output carries only protocol lines; progress goes to stderr, the broker's log to its log file.
 */
final class LauncherCommand {

    private LauncherCommand() {
    }

    static int run(String[] args) {
        try {
            Command.parse(args, Set.of(), Set.of());
        } catch (Command.UsageException e) {
            return Command.usageError("launcher", e);
        }
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        // Nothing else may write protocol lines: stray prints go to stderr.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        InProcessBroker host = new InProcessBroker();
        DevServerStarter starter = new DevServerStarter(Command::progress, host);
        LauncherService service = new LauncherService(settings -> new StartVoiceHandler(settings, starter), protocol);
        starter.warmUpInBackground();
        try {
            service.serve(new BufferedInputStream(System.in));
        } catch (IOException e) {
            Command.progress("launcher input failed: " + e.getMessage());
        }
        return Command.EXIT_OK; // the exit runs the shutdown hook that stops a broker running here
    }
}
