package voicebroker.mint;

/** What a page may choose about its session: the voice and the mode (template). Both already validated. */
public record MintRequest(String mode, String voice) {
}
