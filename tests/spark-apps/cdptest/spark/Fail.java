package cdptest.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Starts a SparkContext, then fails. */
public final class Fail {
    private Fail() {}

    public static void main(String[] args) {
        try (JavaSparkContext sc = new JavaSparkContext(new SparkConf())) {
            throw new IllegalStateException("cdptest.spark.Fail: failing on purpose");
        }
    }
}
