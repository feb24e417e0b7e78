package cdptest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Test application that sleeps for the number of seconds in its first
 * argument (default 600). With a second argument it first writes a marker
 * file there, so a test knows the application really started.
 */
public final class Sleep {
    private Sleep() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 600L;
        if (args.length > 1) {
            Files.write(Paths.get(args[1]), "started\n".getBytes(StandardCharsets.UTF_8));
        }
        Thread.sleep(seconds * 1000L);
    }
}
