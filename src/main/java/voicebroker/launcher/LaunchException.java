package voicebroker.launcher;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import voicebroker.config.ConfigException;
import voicebroker.log.Redactor;

/**
 * Why a launch (or stop) did not happen, with a stable code, what happened, how to fix it, the HTTP status
 * {@code /__start_voice} answers with and the exit code the {@code voice} command ends with. Messages are
 * redacted on the way in, so no key can travel in one.
 */
public final class LaunchException extends Exception {
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_CONFIG = 2;
    public static final int EXIT_PORT_IN_USE = 4;

    private final String code;
    private final String hint;
    private final int httpStatus;
    private final int exitCode;

    LaunchException(String code, String message, String hint, int httpStatus, int exitCode) {
        super(Redactor.redact(message), null, false, false);
        this.code = code;
        this.hint = Redactor.redact(hint);
        this.httpStatus = httpStatus;
        this.exitCode = exitCode;
    }

    /** A configuration problem found before anything was spawned (exit 2, like {@code voice serve}). */
    public static LaunchException config(ConfigException e) {
        return new LaunchException(e.code(), e.variable() + ": " + e.problem(), e.fix(), 500, EXIT_CONFIG);
    }

    static LaunchException runtimeDir(Path dir, Exception cause) {
        return new LaunchException("runtime_dir", "the runtime directory " + dir + " cannot be used ("
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ").",
                "point VOICE_RUNTIME_DIR at a directory this user can create and write (it is made 0700).", 500, EXIT_CONFIG);
    }

    public static LaunchException portInUse(int port, String holder) {
        return new LaunchException("port_in_use", "port " + port + " is held by " + holder + ".",
                "find the holder with: ss -ltnp 'sport = :" + port + "' (or lsof -i :" + port + "), stop it, "
                        + "or set VOICE_PORT to a free port.", 409, EXIT_PORT_IN_USE);
    }

    public static LaunchException failed(String message, String hint) {
        return new LaunchException("launch_failed", message, hint, 500, EXIT_FAILED);
    }

    public static LaunchException timeout(String message, String hint) {
        return new LaunchException("launch_timeout", message, hint, 504, EXIT_FAILED);
    }

    public String code() {
        return code;
    }

    public String hint() {
        return hint;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int exitCode() {
        return exitCode;
    }

    /** {@code {"error","message","hint"}}, the shape of every broker refusal. */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", getMessage());
        body.put("hint", hint);
        return body;
    }
}
