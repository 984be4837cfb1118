package voicebroker.guard;

import java.util.List;
import java.util.Optional;
import voicebroker.error.Refusal;

/** Guards run in order; the first refusal wins and nothing after it is looked at. */
public record GuardChain(List<Guard> guards) implements Guard {

    public GuardChain {
        guards = List.copyOf(guards);
    }

    public static GuardChain of(Guard... guards) {
        return new GuardChain(List.of(guards));
    }

    public GuardChain then(Guard next) {
        List<Guard> more = new java.util.ArrayList<>(guards);
        more.add(next);
        return new GuardChain(more);
    }

    @Override
    public Optional<Refusal> check(RequestFacts request) {
        for (Guard guard : guards) {
            Optional<Refusal> refusal = guard.check(request);
            if (refusal.isPresent()) {
                return refusal;
            }
        }
        return Optional.empty();
    }
}
