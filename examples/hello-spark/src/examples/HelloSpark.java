package examples;

import java.util.Arrays;

import org.apache.spark.sql.SparkSession;
import static org.apache.spark.sql.functions.sum;

/**
 * The example job: prints its arguments, then has Spark sum the numbers
 * from 1 to N (N = the first argument, 100 by default) and prints the sum.
 */
public final class HelloSpark {
    public static void main(String[] args) {
        System.out.println("hello-spark: args " + Arrays.toString(args));
        long n = args.length > 0 ? Long.parseLong(args[0]) : 100L;
        SparkSession spark = SparkSession.builder().appName("hello-spark").getOrCreate();
        try {
            long total = spark.range(1, n + 1).agg(sum("id")).first().getLong(0);
            System.out.println("hello-spark: sum(1.." + n + ") = " + total);
        } finally {
            spark.stop();
        }
    }
}
