package voicebroker.pipeline;

import java.io.IOException;
import java.io.OutputStream;

/** A body that is copied to the caller as it arrives, never held whole in memory. */
public interface StreamBody extends AutoCloseable {

    String contentType();

    /** Copies the whole body; an {@link IOException} means it was cut short. */
    void copyTo(OutputStream out) throws IOException;

    @Override
    void close() throws IOException;
}
