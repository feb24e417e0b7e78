// The job data map the old Scala provisioner wrote (JobManager.createJob),
// serialized by real Quartz 2.3.2 as its JDBC store does with
// useProperties=false; printed as hex. java.util collections stand in for
// the Scala Seq and Map (no Scala library here).
import org.quartz.JobDataMap;
import java.io.*;
import java.util.*;
public class OldJobData {
  public static void main(String[] a) throws Exception {
    JobDataMap m = new JobDataMap();
    m.put("className", "com.acme.Agg");
    m.put("jarPath", "hdfs://ns1/apps/agg.jar");
    m.put("jobArgs", new ArrayList<>(Arrays.asList("--date", "città 🚀")));
    m.put("driverMemory", "2g"); m.put("driverCores", 1);
    m.put("executorMemory", "4g"); m.put("executorCores", 2); m.put("numExecutors", 3);
    HashMap<String,String> conf = new HashMap<>(); conf.put("spark.sql.shuffle.partitions", "8");
    m.put("conf", conf); m.put("name", "daily-agg"); m.put("queue", "");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    ObjectOutputStream o = new ObjectOutputStream(b); o.writeObject(m); o.close();
    StringBuilder s = new StringBuilder(); for (byte x : b.toByteArray()) s.append(String.format("%02x", x));
    System.out.println(s);
  }
}
