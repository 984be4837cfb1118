package voicebroker.launcher;

/** What holds the configured port, as far as the launcher can tell without changing anything. */
public sealed interface BrokerState {

    /** No runtime file and nothing listening on the port. */
    record Absent() implements BrokerState {
    }

    /** A runtime file whose process is gone (or whose pid now belongs to another program). */
    record Stale(RuntimeInfo info) implements BrokerState {
    }

    /** Our broker: its process is alive and {@code /api/health} answers as voice-broker. */
    record Running(RuntimeInfo info) implements BrokerState {
    }

    /** A live broker process from our runtime file that does not answer {@code /api/health}. */
    record Unresponsive(RuntimeInfo info) implements BrokerState {
    }

    /** Something that is not our broker listens on the port; {@code holder} says what, for the message. */
    record Foreign(String holder) implements BrokerState {
    }
}
