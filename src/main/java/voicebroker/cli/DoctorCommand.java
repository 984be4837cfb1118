package voicebroker.cli;

import java.util.List;
import java.util.Set;
import voicebroker.launcher.LaunchEnvironment;
import voicebroker.doctor.Check;
import voicebroker.doctor.Doctor;
import voicebroker.log.Redactor;

/**
 * {@code voice doctor}: one line per precondition, {@code ok}, {@code FAIL} with the fix, or {@code skip}. It
 * never mints and never sends the key; the network check is a DNS lookup and a TLS handshake, bounded to a
 * few seconds. Exit 0 when everything passed, 1 otherwise.
 */
final class DoctorCommand {

    private DoctorCommand() {
    }

    static int run(String[] args) {
        try {
            Command.parse(args, Set.of(), Set.of());
        } catch (Command.UsageException e) {
            return Command.usageError("doctor", e);
        }
        List<Check> checks = Doctor.run(LaunchEnvironment.current());
        for (Check check : checks) {
            String line = String.format("%-5s %-12s %s", check.status().label(), check.name(), check.detail())
                    + (check.fix().isEmpty() ? "" : " Fix: " + check.fix());
            System.out.println(Redactor.redact(line));
        }
        boolean passed = Doctor.allPassed(checks);
        System.out.println(passed ? "all checks passed" : "some checks failed: fix the FAIL lines above, then run './voice doctor' again");
        return passed ? Command.EXIT_OK : Command.EXIT_FAILED;
    }
}
