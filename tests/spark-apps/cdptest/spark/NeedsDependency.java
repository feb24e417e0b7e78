package cdptest.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Succeeds only when the jar of cdptest.dep.Greeting is shipped with it. */
public final class NeedsDependency {
    private NeedsDependency() {}

    public static void main(String[] args) {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf())) {
            System.out.println(cdptest.dep.Greeting.text());
        }
    }
}
