package cdptest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Test application: writes the arguments it received after the first, one
 * per line, to the file named by its first argument (written to a temporary
 * file first and then renamed, so a reader never sees half of it).
 */
public final class WriteArgs {
    private WriteArgs() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: WriteArgs <output file> [args...]");
        }
        Path out = Paths.get(args[0]);
        List<String> lines = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            lines.add(args[i]);
        }
        Path tmp = Paths.get(args[0] + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("WriteArgs wrote " + lines.size() + " arguments to " + out);
    }
}
