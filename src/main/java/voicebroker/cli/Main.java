package voicebroker.cli;

import java.io.PrintStream;
import java.util.Arrays;
import voicebroker.config.ConfigException;
import voicebroker.log.Redactor;

/**
 * The {@code voice} command: {@code serve} runs the broker in the foreground; {@code start}, {@code stop},
 * {@code status}, {@code mint}, {@code doctor} drive a background one; {@code launcher} serves a dev server plugin.
 */
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
            case "start":
                return StartCommand.run(rest);
            case "stop":
                return StopCommand.run(rest);
            case "status":
                return StatusCommand.run(rest);
            case "mint":
                return MintCommand.run(rest);
            case "doctor":
                return DoctorCommand.run(rest);
            case "launcher":
                return LauncherCommand.run(rest);
            case "install-service":
                return InstallServiceCommand.run(rest);
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
                usage: voice <command> [options]
                  start [--json [--with-token]]   start the broker in the background, or confirm it runs; restarts
                                                  it when the configuration changed (one broker per port)
                  stop                            stop the background broker on VOICE_PORT
                  status [--json]                 pid, url, uptime, key, base, origins, log file, stale or current
                  mint [--voice V] [--mode M] [--json] [--show-secret]
                                                  mint a client secret through the running broker (a smoke test)
                  doctor                          check every precondition (java, key, base, port, runtime dir,
                                                  upstream DNS and TLS) without minting or sending the key
                  serve                           run the broker in the foreground
                  launcher                        the dev server plugin's warm launcher: JSON lines on stdin and
                                                  stdout (see LauncherProtocol); ends when stdin closes
                  install-service [--origins O1,O2] [--platform systemd|launchd]
                                                  keep the broker running as a user service (systemd user
                                                  unit or launchd agent) for a built dashboard
                  help                            this text
                Configuration comes from the environment and ./.env (see README.md); VOICE_JAVA picks the java that
                runs this command and the broker, VOICE_START_TIMEOUT the seconds 'start' waits for it (default 15).
                Results go to stdout, progress and errors to stderr. Exit codes:
                  0  done (stop: also when nothing was running)
                  1  failed: the broker did not start or stop, refused the mint, does not answer, or a doctor check failed
                  2  configuration or usage problem (the message names the variable and the fix)
                  3  no broker is running (status, mint)
                  4  the port is held by another program (start)""");
    }

    /** Prints a configuration problem as one line naming the code, the variable, the problem and the fix. */
    static int fail(ConfigException e) {
        System.err.println("voice-broker: " + Redactor.redact(e.getMessage()));
        return EXIT_CONFIG;
    }
}
