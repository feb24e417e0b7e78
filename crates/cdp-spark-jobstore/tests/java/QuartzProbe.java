import static org.quartz.CronScheduleBuilder.cronSchedule;
import static org.quartz.JobBuilder.newJob;
import static org.quartz.TriggerBuilder.newTrigger;

import it.agilelab.witboost.cdp.spark.SparkSubmitJob;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.TreeMap;
import org.quartz.CronTrigger;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;

/**
 * The real Quartz 2.3.2 (JobStoreTX, StdJDBCDelegate or PostgreSQLDelegate, useProperties=true)
 * on the job store's tables, kept in standby so that it fires nothing.
 *
 * <pre>
 * QuartzProbe list JDBC_URL USER PASSWORD SCHED_NAME PREFIX
 *   prints every job, its job data and every trigger Quartz reads
 * QuartzProbe schedule JDBC_URL USER PASSWORD SCHED_NAME PREFIX GROUP JOB START_MS
 *   schedules a cron trigger for the existing job GROUP.JOB and a new job
 *   GROUP.quartz-made with a cron trigger, then lists like "list"
 * </pre>
 *
 * Output lines are tab-separated; strings are hex of their UTF-8 bytes.
 */
public class QuartzProbe {

    /** A connection per call, straight from DriverManager: no pool library needed. */
    public static class DriverManagerProvider implements ConnectionProvider {
        private String url;
        private String user = "";
        private String password = "";

        public void setUrl(String url) { this.url = url; }
        public void setUser(String user) { this.user = user; }
        public void setPassword(String password) { this.password = password; }

        @Override
        public Connection getConnection() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        @Override
        public void shutdown() {}

        @Override
        public void initialize() {}
    }

    static String hex(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.append(String.format("%02x", x & 0xff));
        }
        return b.length() == 0 ? "=" : b.toString();
    }

    static String ms(Date d) {
        return d == null ? "-" : Long.toString(d.getTime());
    }

    static Scheduler scheduler(String url, String user, String password, String sched, String prefix) throws Exception {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", sched);
        p.setProperty("org.quartz.scheduler.instanceId", "interop-probe");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        // Quartz's delegate for the database: PostgreSQL's reads BYTEA and BOOL columns.
        p.setProperty("org.quartz.jobStore.driverDelegateClass", url.startsWith("jdbc:postgresql:")
            ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
            : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.useProperties", "true");
        p.setProperty("org.quartz.jobStore.useDBLocks", "true");
        p.setProperty("org.quartz.jobStore.tablePrefix", prefix);
        p.setProperty("org.quartz.jobStore.dataSource", "db");
        p.setProperty("org.quartz.dataSource.db.connectionProvider.class", DriverManagerProvider.class.getName());
        p.setProperty("org.quartz.dataSource.db.url", url);
        p.setProperty("org.quartz.dataSource.db.user", user);
        p.setProperty("org.quartz.dataSource.db.password", password);
        // Never started: the scheduler stays in standby and fires nothing.
        return new StdSchedulerFactory(p).getScheduler();
    }

    static void list(Scheduler s) throws Exception {
        List<JobKey> jobs = new ArrayList<>(s.getJobKeys(GroupMatcher.anyJobGroup()));
        Collections.sort(jobs);
        for (JobKey k : jobs) {
            JobDetail d = s.getJobDetail(k);
            System.out.println(String.join("\t", "JOB", hex(k.getGroup()), hex(k.getName()),
                hex(d.getJobClass().getName()), Boolean.toString(d.isDurable()),
                Boolean.toString(d.isConcurrentExectionDisallowed()), hex(d.getDescription())));
            Map<String, Object> data = new TreeMap<>(d.getJobDataMap().getWrappedMap());
            for (Map.Entry<String, Object> e : data.entrySet()) {
                System.out.println(String.join("\t", "DATA", hex(k.getGroup()), hex(k.getName()),
                    hex(e.getKey()), hex((String) e.getValue())));
            }
        }
        List<TriggerKey> triggers = new ArrayList<>(s.getTriggerKeys(GroupMatcher.anyTriggerGroup()));
        Collections.sort(triggers);
        for (TriggerKey k : triggers) {
            Trigger t = s.getTrigger(k);
            String kind = "OTHER", cron = "-", zone = "-", repeat = "-", first = "-";
            if (t instanceof CronTrigger) {
                CronTrigger c = (CronTrigger) t;
                kind = "CRON";
                cron = hex(c.getCronExpression());
                zone = hex(c.getTimeZone().getID());
                // What Quartz itself computes as the first fire: the first
                // time after startTime - 1 s.
                first = ms(c.getFireTimeAfter(new Date(c.getStartTime().getTime() - 1000L)));
            } else if (t instanceof SimpleTrigger) {
                kind = "SIMPLE";
                repeat = Integer.toString(((SimpleTrigger) t).getRepeatCount());
            }
            System.out.println(String.join("\t", "TRIGGER", hex(k.getGroup()), hex(k.getName()),
                hex(t.getJobKey().getGroup()), hex(t.getJobKey().getName()), kind, cron, zone,
                ms(t.getNextFireTime()), ms(t.getPreviousFireTime()), ms(t.getStartTime()),
                ms(t.getEndTime()), s.getTriggerState(k).name(),
                Integer.toString(t.getMisfireInstruction()), Integer.toString(t.getPriority()),
                repeat, first));
        }
    }

    static void schedule(Scheduler s, String group, String job, long startMs) throws Exception {
        Date start = new Date(startMs);
        Trigger onExisting = newTrigger()
            .withIdentity("quartzCron", group)
            .forJob(JobKey.jobKey(job, group))
            .withSchedule(cronSchedule("0 15 10 ? * MON-FRI")
                .inTimeZone(TimeZone.getTimeZone("America/New_York"))
                .withMisfireHandlingInstructionDoNothing())
            .startAt(start)
            .withPriority(7)
            .build();
        s.scheduleJob(onExisting);

        JobDataMap data = new JobDataMap();
        data.put("componentId", "urn:dmb:cmp:interop:0:quartz-made");
        data.put("jar", "hdfs://ns1/apps/quartz made/app=1.jar");
        data.put("className", "com.acme.QuartzMade");
        data.put("queue", "root.ünï");
        data.put("args", "[\"x=1\",\"ü € 🚀\",\"line\\nbreak\",\"#!:\"]");
        data.put("dependencies", "[]");
        data.put("conf", "{\"spark.executor.instances\":\"2\"}");
        data.put("numExecutors", "2");
        JobDetail made = newJob(SparkSubmitJob.class)
            .withIdentity("quartz-made", group)
            .withDescription("made by Quartz")
            .usingJobData(data)
            .storeDurably()
            .build();
        Trigger madeTrigger = newTrigger()
            .withIdentity("quartz-madeTrigger", group)
            .forJob(made)
            .withSchedule(cronSchedule("0 0/30 * * * ?").inTimeZone(TimeZone.getTimeZone("UTC")))
            .startAt(start)
            .build();
        s.scheduleJob(made, madeTrigger);
    }

    public static void main(String[] args) throws Exception {
        Scheduler s = scheduler(args[1], args[2], args[3], args[4], args[5]);
        try {
            if (s.isStarted()) {
                throw new IllegalStateException("the probe scheduler must stay in standby");
            }
            if ("schedule".equals(args[0])) {
                schedule(s, args[6], args[7], Long.parseLong(args[8]));
            }
            list(s);
            System.out.println("END\t" + s.isInStandbyMode());
        } finally {
            s.shutdown(false);
        }
    }
}
