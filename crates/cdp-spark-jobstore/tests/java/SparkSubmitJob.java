package it.agilelab.witboost.cdp.spark;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * Stand-in for the launcher class the job store names in JOB_CLASS_NAME:
 * Quartz loads the class of every job it reads. The test keeps the
 * scheduler in standby, so this never runs.
 */
@DisallowConcurrentExecution
public class SparkSubmitJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
        throw new IllegalStateException("the interop test never fires jobs");
    }
}
