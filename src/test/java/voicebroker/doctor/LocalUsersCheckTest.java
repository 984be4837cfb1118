package voicebroker.doctor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import voicebroker.guard.PeerUser;
import voicebroker.guard.SameUserGuard;

/** `voice doctor` says how other OS users are kept out here, and what the dashboard must do where the OS cannot tell. */
class LocalUsersCheckTest {
    @TempDir
    Path dir;

    @Test
    void onLinuxTheKernelsSocketTableJudges() {
        Check check = Doctor.localUsers(SameUserGuard.forThisProcess());
        assertTrue(check.passed() && check.detail().contains("/proc/net/tcp"), check.toString());
    }

    @Test
    void withoutSocketTablesTheDashboardTokenIsNamedAsRequired() {
        Check check = Doctor.localUsers(new SameUserGuard(new PeerUser(dir.resolve("no-proc")), OptionalInt.of(501)));
        assertTrue(check.detail().contains("dashboard_token_required") && check.detail().contains("dashboardTokenFile"), check.toString());
    }
}
