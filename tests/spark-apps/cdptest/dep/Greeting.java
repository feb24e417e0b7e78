package cdptest.dep;

/** The dependency of cdptest.spark.NeedsDependency, built into a jar of its own. */
public final class Greeting {
    private Greeting() {}

    public static String text() {
        return "cdptest.dep.Greeting is on the class path";
    }
}
