package voicebroker.doctor;

/**
 * One line of {@code voice doctor}: what was checked, how it went, what was seen, and how to fix it.
 *
 * @param name   short name of the precondition (java, key, base, ...)
 * @param status ok, FAIL, or skip (could not be checked because an earlier problem must be fixed first)
 * @param detail what was found; never a secret (the key appears masked only)
 * @param fix    how to fix a failure; empty when there is nothing to fix
 */
public record Check(String name, Status status, String detail, String fix) {

    public enum Status {
        OK("ok"), FAIL("FAIL"), SKIP("skip");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    static Check ok(String name, String detail) {
        return new Check(name, Status.OK, detail, "");
    }

    static Check fail(String name, String detail, String fix) {
        return new Check(name, Status.FAIL, detail, fix);
    }

    static Check skip(String name, String reason) {
        return new Check(name, Status.SKIP, reason, "");
    }

    public boolean passed() {
        return status == Status.OK;
    }
}
