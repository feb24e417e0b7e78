import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TimeZone;

/**
 * What java.util.TimeZone.getTimeZone(id) answers for a list of ids (the
 * call Quartz's CronExpression.setTimeZone and JobStoreSupport make with a
 * trigger's TIME_ZONE_ID): every id of TimeZone.getAvailableIDs() plus
 * custom GMT offsets and ids Java does not know. A first line "#instants"
 * lists the instants probed (milliseconds: the 15th of every month of 2026
 * and 2040 at 12:00 UTC, inside and after Java's transition tables); then
 * one tab-separated line per id: the id asked, then "UNKNOWN" where Java
 * falls back to GMT, else getID(), getRawOffset() and getOffset(t) at each
 * instant (milliseconds).
 */
public class JavaTimeZones {
    static final String[] PROBES = {
        "GMT+5", "GMT+05", "GMT+0530", "GMT+05:30", "GMT-8", "GMT-08:00", "GMT+530",
        "GMT+:30", "GMT+23:59", "GMT-23:59", "GMT+0", "GMT-0", "GMT+00:00", "GMT-00:00",
        "GMT+0000000000000000001", "GMT+24", "GMT+05:60", "GMT+5:3", "GMT+005:30",
        "GMT+12345", "GMT+99999999999", "GMT+", "GMT+5:", "GMT+05:30:00", "GMT 5", "GMT+5 ",
        "gmt+5", "GMT+0x5", "UTC+5", "Etc/GMT+5", "US/Pacific-New", "Mars/Olympus", "",
        "ROC", "America/Coyhaique", "utc", "Europe/rome",
    };

    public static void main(String[] args) {
        List<String> ids = new ArrayList<>(Arrays.asList(PROBES));
        ids.addAll(Arrays.asList(TimeZone.getAvailableIDs()));
        List<Long> instants = new ArrayList<>();
        for (int year : new int[] {2026, 2040}) {
            for (int month = 1; month <= 12; month++) {
                instants.add(java.time.LocalDateTime.of(year, month, 15, 12, 0)
                        .toEpochSecond(java.time.ZoneOffset.UTC) * 1000);
            }
        }
        StringBuilder out = new StringBuilder("#instants");
        for (long t : instants) {
            out.append('\t').append(t);
        }
        out.append('\n');
        for (String id : ids) {
            TimeZone tz = TimeZone.getTimeZone(id);
            out.append(id);
            if (tz.getID().equals("GMT") && !id.equals("GMT")) {
                out.append("\tUNKNOWN\n");
                continue;
            }
            out.append('\t').append(tz.getID()).append('\t').append(tz.getRawOffset());
            for (long t : instants) {
                out.append('\t').append(tz.getOffset(t));
            }
            out.append('\n');
        }
        System.out.print(out);
    }
}
