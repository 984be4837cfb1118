package voicebroker.cli;

import java.io.PrintStream;
import java.util.Arrays;
import voicebroker.config.ConfigException;
import voicebroker.log.Redactor;

/** The {@code voice} command: {@code serve} runs the broker; the other commands drive a running one. */
public final class Main {
    /** Returned by a command that leaves server threads running: the process must not exit. */
    static final int KEEP_RUNNING = -1;
    static final int EXIT_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code != KEEP_RUNNING) {
            System.exit(code);
        }
    }

    static int run(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "serve":
                return ServeCommand.run();
            case "help":
            case "--help":
            case "-h":
                usage(System.out);
                return 0;
            default:
                System.err.println("voice: unknown command '" + Redactor.redact(command) + "'.");
                usage(System.err);
                return EXIT_CONFIG;
        }
    }

    static void usage(PrintStream out) {
        out.println("""
                usage: voice <command>
                  serve    run the broker in the foreground (configuration from the environment and .env)
                  help     this text
                See README.md for configuration and error codes.""");
    }

    /** Prints a configuration problem as one line naming the code, the variable, the problem and the fix. */
    static int fail(ConfigException e) {
        System.err.println("voice-broker: " + Redactor.redact(e.getMessage()));
        return EXIT_CONFIG;
    }
}
