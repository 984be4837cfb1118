package voicebroker.guard;

import java.util.OptionalInt;

/**
 * The owner of one open connection as the kernel's socket table named it, kept on the connection so the table is
 * read once per connection instead of once per request: a socket's owner is fixed when it is created, so every later
 * request on it has the same answer. The server makes one for each connection it accepts, never for an address: once
 * a page's connection closes, another user may bind the same port and connect again, and that new connection has a
 * new, empty one that is looked up afresh. Only a found owner is kept; a caller not found is looked up again on its
 * next request (and refused each time). A plain volatile field, not a shared map: every request reads it, and a lock
 * there made concurrent requests queue behind whichever thread the scheduler had paused inside it.
 */
public final class ConnectionOwner {
    /** No uid is negative; the kernel's "no user", (uid_t) -1, is never a socket's owner. */
    private static final int UNKNOWN = -1;
    private volatile int uid = UNKNOWN;

    OptionalInt known() {
        int known = uid;
        return known == UNKNOWN ? OptionalInt.empty() : OptionalInt.of(known);
    }

    void remember(OptionalInt found) {
        found.ifPresent(owner -> uid = owner);
    }
}
