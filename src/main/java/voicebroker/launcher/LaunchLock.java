package voicebroker.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Serializes check-and-spawn for one port, so any number of concurrent starts (terminals, dashboard clicks)
 * end with exactly one broker. Two layers, because an OS file lock belongs to the whole process: a JVM-wide
 * {@link ReentrantLock} for threads of one process (an embedded {@code /__start_voice} handler), and an
 * exclusive {@link FileChannel#lock()} on {@code broker-<port>.lock} for other processes. The lock file is
 * never deleted: deleting lock files reintroduces the race they exist to prevent.
 *
 * <p>Waiting is unbounded on purpose: a holder's work is itself bounded (start timeout, stop grace), and
 * the OS drops the lock when a holder dies.
 */
final class LaunchLock implements AutoCloseable {
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private LaunchLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static LaunchLock acquire(Path lockFile, Consumer<String> progress) throws LaunchException {
        ReentrantLock threadLock = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), path -> new ReentrantLock());
        if (!threadLock.tryLock()) {
            progress.accept("waiting for another start of this broker to finish...");
            threadLock.lock();
        }
        try {
            FileChannel channel = FileChannel.open(lockFile, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            return new LaunchLock(threadLock, channel, lockFile(channel, progress));
        } catch (IOException | RuntimeException e) {
            threadLock.unlock();
            throw LaunchException.runtimeDir(lockFile.getParent(), e);
        }
    }

    private static FileLock lockFile(FileChannel channel, Consumer<String> progress) throws IOException {
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            progress.accept("waiting for another start of this broker to finish...");
            return channel.lock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            fileLock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock anyway; nothing else to do
        } finally {
            threadLock.unlock();
        }
    }
}
