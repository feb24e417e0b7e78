// Answers Quartz cron questions with the real Quartz 2.3.2, one per line:
// reads "EXPR<TAB>FROM<TAB>TZ<TAB>COUNT" on stdin and prints the result column
// of the oracle's format (tests/fixtures/quartz-cron-oracle.tsv): the next
// COUNT fire times (UTC, ISO-8601, one space apart), INVALID when the
// expression does not parse, NONE when there is no fire time. Quartz may stop
// before COUNT; the times found are printed. Quartz accepts a few expressions it cannot evaluate: ERROR when
// getNextValidTimeAfter throws (e.g. 'L' in the seconds field), HANGS when it
// has not returned after HANG_MILLIS (e.g. '0W' in day-of-month, on which
// Quartz loops forever).
//
// Used by tests/it/cron_differential.rs, which compiles it into a temporary
// directory against /usr/share/java/quartz2.jar, and by
// scripts/quartz-cron-oracle.sh, which answers, regenerates and checks the
// oracle with it. The committed oracle holds only fire times, INVALID and
// NONE: ERROR and HANGS are left out of it.

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.TimeZone;

import org.quartz.CronExpression;

public final class QuartzOracle {
    /** A case still running after this long is taken to loop forever. */
    static final long HANG_MILLIS = Long.getLong("quartzOracle.hangMillis", 1500L);

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        String line;
        while ((line = in.readLine()) != null) {
            String[] cols = line.split("\t", -1);
            if (cols.length != 4) {
                out.println("BADLINE");
                continue;
            }
            out.println(answerInTime(cols[0], cols[1], cols[2], Integer.parseInt(cols[3])));
        }
        out.flush();
    }

    /** Answers on a worker thread, giving up on one that never returns. */
    @SuppressWarnings({"deprecation", "removal"})
    static String answerInTime(String expression, String from, String zone, int count)
            throws InterruptedException {
        String[] result = new String[1];
        Thread worker = new Thread(() -> result[0] = answer(expression, from, zone, count));
        worker.setDaemon(true);
        worker.start();
        worker.join(HANG_MILLIS);
        if (worker.isAlive()) {
            try {
                worker.stop();
            } catch (Throwable notSupported) {
                // Newer JDKs cannot stop threads; the daemon keeps spinning
                // until the program exits.
            }
            return "HANGS";
        }
        return result[0];
    }

    static String answer(String expression, String from, String zone, int count) {
        CronExpression cron;
        try {
            cron = new CronExpression(expression);
        } catch (ParseException e) {
            return "INVALID";
        } catch (Throwable e) {
            return "CRASH " + e;
        }
        cron.setTimeZone(TimeZone.getTimeZone(zone));
        Date after = Date.from(Instant.parse(from));
        StringBuilder result = new StringBuilder();
        try {
            for (int i = 0; i < count; i++) {
                Date next = cron.getNextValidTimeAfter(after);
                if (next == null) {
                    break;
                }
                if (result.length() > 0) {
                    result.append(' ');
                }
                result.append(next.toInstant().toString());
                after = next;
            }
        } catch (RuntimeException e) {
            return "ERROR";
        }
        return result.length() == 0 ? "NONE" : result.toString();
    }
}
