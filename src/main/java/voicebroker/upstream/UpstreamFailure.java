package voicebroker.upstream;

import voicebroker.error.Refusal;

/**
 * An upstream call that did not yield a usable answer, already translated into the refusal the page gets.
 * {@link #modelUnavailable()} is the only failure that lets the caller try the next model.
 */
public final class UpstreamFailure extends Refusal.Exception {
    private final boolean modelUnavailable;

    UpstreamFailure(Refusal refusal, boolean modelUnavailable) {
        super(refusal);
        this.modelUnavailable = modelUnavailable;
    }

    /** The upstream answered 2xx, but not with something the broker can use. */
    public static UpstreamFailure invalidAnswer(String what) {
        return UpstreamErrors.invalidAnswer(what);
    }

    public boolean modelUnavailable() {
        return modelUnavailable;
    }
}
