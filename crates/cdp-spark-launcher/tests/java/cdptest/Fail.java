package cdptest;

/** Test application whose main throws, so the Spark application fails. */
public final class Fail {
    private Fail() {}

    public static void main(String[] args) {
        throw new IllegalStateException("cdptest.Fail: failing on purpose");
    }
}
