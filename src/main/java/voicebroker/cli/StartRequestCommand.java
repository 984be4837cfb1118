package voicebroker.cli;

import java.io.IOException;
import java.util.Set;
import voicebroker.launcher.StartRequestProtocol;
import voicebroker.launcher.StartVoiceHandler;

/**
 * {@code voice start-request}: the process protocol of the dev server plugin. Reads one JSON object on stdin
 * (the plugin's trusted settings and the browser's request, see {@link StartRequestProtocol}), decides it with
 * {@link StartVoiceHandler} (starting the broker when allowed) and writes one JSON object on stdout:
 * {@code {"status", "body", "headers"}}. Exit 0 whenever a response was printed, refusals included; exit 2, with
 * nothing on stdout, when the input breaks the protocol. Key and base come from this process's environment.
 */
final class StartRequestCommand {

    private StartRequestCommand() {
    }

    static int run(String[] args) {
        try {
            Command.parse(args, Set.of(), Set.of());
        } catch (Command.UsageException e) {
            return Command.usageError("start-request", e);
        }
        StartRequestProtocol.Input input;
        try {
            input = StartRequestProtocol.parse(System.in.readNBytes(StartRequestProtocol.MAX_INPUT_BYTES + 1));
        } catch (StartRequestProtocol.ProtocolException | IOException e) {
            System.err.println("voice start-request: bad input: " + e.getMessage() + ". Fix: send one JSON object "
                    + "{\"config\":{...},\"request\":{...}} on stdin, as documented in StartRequestProtocol.");
            return Command.EXIT_USAGE;
        }
        StartVoiceHandler handler = new StartVoiceHandler(input.settings(), StartVoiceHandler.launcher(Command::progress));
        StartVoiceHandler.Response response = handler.handle(input.request());
        byte[] output = StartRequestProtocol.render(response);
        System.out.write(output, 0, output.length);
        System.out.println();
        System.out.flush();
        return Command.EXIT_OK;
    }
}
